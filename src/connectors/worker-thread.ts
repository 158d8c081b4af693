import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry is the module `name` (without extension) next to `here` (the
 * caller's `import.meta.url`): the compiled `.js` module, or, when the caller runs from its TypeScript source
 * (tests, tsx), a bootstrap that installs tsx's require hook in the thread first (a `--import` in the
 * thread's execArgv does not reach its entry module on Node 20).
 */
export function startWorkerThread(here: string, name: string): Worker {
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here));
  const loader = createRequire(here).resolve('tsx/cjs');
  const entry = fileURLToPath(new URL(`./${name}.ts`, here));
  return new Worker(`require(${JSON.stringify(loader)}); require(${JSON.stringify(entry)});`, { eval: true });
}

/**
 * At most one thread that finished its work cleanly, kept (unreferenced, so it never holds the process open)
 * for the next job: starting a thread and compiling a wasm module costs about as much as a small file's
 * work. A thread that crashed, stalled or was stopped mid-job is never handed back.
 */
export class IdleThread {
  private idle: Worker | undefined;

  constructor(private readonly start: () => Worker) {}

  /** The kept thread, or a new one; referenced until handed back. */
  take(): Worker {
    let thread = this.idle;
    this.idle = undefined;
    if (thread === undefined) {
      const started = this.start();
      // Once per thread (not per reuse, which would pile up listeners): an idle thread that dies is not reused.
      started.once('exit', () => {
        if (this.idle === started) this.idle = undefined;
      });
      thread = started;
    }
    thread.ref();
    return thread;
  }

  /** Keeps `thread` for the next `take`, or ends it when one is kept already. */
  keep(thread: Worker): void {
    if (this.idle !== undefined) {
      void thread.terminate();
      return;
    }
    thread.unref();
    this.idle = thread;
  }
}
