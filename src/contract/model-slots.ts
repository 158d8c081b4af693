import { ModelWatcher } from '../artifact/model-watcher.js';
import { LatentflowError } from '../errors.js';
import type { Logger } from '../runtime/logger.js';

/**
 * Hands a fitted model from the stage that fits it to later stages of the same run, by the fit stage's id.
 * A consumer awaits the slot, so it never sees a half-fitted model; a fit that fails rejects the waiters.
 */
export class ModelSlots {
  private readonly loaded = new Map<string, Promise<{ dispose?(): void }>>();
  /** Model directories some stage of the run watches (see {@link watch}), with the shortest poll asked for. */
  private readonly watchedDirs = new Map<string, number>();
  private readonly watchers = new Map<string, Promise<ModelWatcher>>();

  private readonly slots = new Map<string, { promise: Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void; isSettled: boolean }>();

  private slot(id: string) {
    let s = this.slots.get(id);
    if (!s) {
      let resolve!: (v: unknown) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<unknown>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A slot nobody waits on must not turn a fit failure into an unhandled rejection.
      promise.catch(() => {});
      s = { promise, resolve, reject, isSettled: false };
      this.slots.set(id, s);
    }
    return s;
  }

  /** Announces that a stage will publish a model under `id`, so later stages can tell ids from paths. */
  declare(id: string): void {
    this.slot(id);
  }

  /** Publishes the fitted model under `id`; publishing twice is a programming error. */
  publish(id: string, model: unknown): void {
    const s = this.slot(id);
    if (s.isSettled) throw new LatentflowError('E_PIPELINE', `model "${id}" was published twice; stage ids must be unique`);
    s.isSettled = true;
    s.resolve(model);
  }

  /** Marks `id` as failed so that stages waiting on it stop with the cause. */
  fail(id: string, error: unknown): void {
    const s = this.slot(id);
    if (s.isSettled) return;
    s.isSettled = true;
    s.reject(error);
  }

  /** Resolves with the model once the stage `id` has fitted it. */
  get<T>(id: string): Promise<T> {
    return this.slot(id).promise as Promise<T>;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /**
   * Loads a model once per run under `key` (its resolved directory), so several stages scoring with the same
   * saved model share one copy. Models loaded here are owned by the slots and freed by {@link dispose}.
   */
  loadOnce<T extends { dispose?(): void }>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = this.loaded.get(key);
    if (!pending) {
      pending = load();
      // A failed load is reported to every caller; it must not count as an unhandled rejection here.
      pending.catch(() => {});
      this.loaded.set(key, pending);
    }
    return pending as Promise<T>;
  }

  /**
   * Marks model directory `dir` (resolved) as watched for the whole run: every stage naming it then takes
   * its model from one {@link ModelWatcher}, so they all switch to a replacement at the same batch (see
   * stages/shared/model-ref.ts). Stages call it when they are created, before any batch flows.
   */
  watch(dir: string, pollMs: number): void {
    this.watchedDirs.set(dir, Math.min(pollMs, this.watchedDirs.get(dir) ?? Infinity));
  }

  /** The run's watcher of `dir`, started on first use; undefined when no stage watches `dir`. */
  watcher(dir: string, logger: Logger): Promise<ModelWatcher> | undefined {
    const pollMs = this.watchedDirs.get(dir);
    if (pollMs === undefined) return undefined;
    let pending = this.watchers.get(dir);
    if (!pending) {
      const watcher = new ModelWatcher(dir, logger, pollMs, true);
      pending = watcher.start().then(() => watcher);
      pending.catch(() => {});
      this.watchers.set(dir, pending);
    }
    return pending;
  }

  /**
   * Starts (loads) every watched directory's model; the runner awaits it once all stages are created and
   * before the source reads, so a long-running pipeline neither joins its consumer group and then stalls on
   * the first batch while a model loads, nor finds out only then that the model cannot be read.
   */
  async startWatchers(logger: Logger): Promise<void> {
    await Promise.all([...this.watchedDirs.keys()].map((dir) => this.watcher(dir, logger)));
  }

  /** Frees every model loaded through {@link loadOnce} or watched; the runner calls it after closing all stages. */
  async dispose(): Promise<void> {
    const watchers = [...this.watchers.values()];
    this.watchers.clear();
    for (const w of watchers) await (await w.catch(() => undefined))?.close();
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) {
      const model = await p.catch(() => undefined);
      model?.dispose?.();
    }
  }
}
