/**
 * The release functions of what a connector currently has open (file handles, streams, wasm objects), so
 * that `close()` can release what an unfinished iterator still holds and a generator's `finally` can
 * release its own. Every registered function runs at most once.
 */
export class Closers {
  private readonly pending = new Set<() => Promise<void>>();

  /** Registers `release`; returns an idempotent function that runs it (once) and unregisters it. */
  add(release: () => Promise<void> | void): () => Promise<void> {
    let done: Promise<void> | undefined;
    const run = (): Promise<void> => {
      if (done === undefined) {
        this.pending.delete(run);
        done = Promise.resolve().then(release);
      }
      return done;
    };
    this.pending.add(run);
    return run;
  }

  /** Unregisters `run` (as returned by `add`) without running it. */
  delete(run: () => Promise<void>): void {
    this.pending.delete(run);
  }

  /** Runs every registered release function; the first failure is rethrown after all have run. */
  async closeAll(): Promise<void> {
    const results = await Promise.allSettled([...this.pending].map((run) => run()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
