import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST, loadDetector } from './model-dir.js';
import type { Detector } from '../models/detector.js';
import type { Logger } from '../runtime/logger.js';

/** A loaded model and which version of the directory it came from. */
export interface LoadedModel {
  detector: Detector;
  /** Increments with every model put in use (1 for the first). */
  version: number;
  /** Directory identity when it was read (inode of the directory and of its manifest, manifest mtime). */
  identity: string;
}

/**
 * Watches a model directory and loads a replacement in the background; the caller swaps models only
 * between batches through {@link current}, so no batch is scored half by one model and half by the next.
 *
 * `saveDetector` (and `latentflow fit`) replace a model by writing a new version directory and then renaming
 * a new `latentflow.json` over the old one (see artifact/model-layout.ts), so a change shows as a new inode
 * of the manifest (or, for directories replaced whole by older latentflow versions, of the directory).
 * Changes are noticed by `fs.watch` on the directory and on its parent (prompt) and by polling `stat`
 * every `pollMs` (fs.watch misses renames on some file systems). A model that fails to load is logged and the current one stays in use;
 * the same broken directory is not retried until it changes again. So is, with `sameFeatures`, a
 * replacement that reads other features than the model in use (a pipeline's source reads fixed columns).
 *
 * The model in use before the last swap stays loaded until the next one ({@link version}), so a stage
 * later in a pipeline can still score or flag a batch with the version an earlier stage used for it.
 */
export class ModelWatcher {
  private active: LoadedModel | undefined;
  private previous: LoadedModel | undefined;
  private pending: LoadedModel | undefined;
  private loading: Promise<void> | undefined;
  private checkAgain = false;
  private failedIdentity: string | undefined;
  private versions = 0;
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private isClosed = false;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly pollMs: number,
    private readonly sameFeatures = false,
  ) {}

  /** Loads the model (errors propagate: a monitor must not start without one) and starts watching. */
  async start(): Promise<LoadedModel> {
    const identity = await this.identity();
    const detector = await loadDetector(this.dir);
    this.active = { detector, version: ++this.versions, identity: identity ?? 'unknown' };
    const target = path.resolve(this.dir);
    this.watch(path.dirname(target), (name) => name.startsWith(path.basename(target)));
    this.watch(target, (name) => name.startsWith(MANIFEST));
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
    return this.active;
  }

  /**
   * The model to score the next batch with. When a newer one finished loading it becomes active here; the
   * one it replaces stays loaded until the next swap (see {@link version}) and the one before is disposed.
   */
  current(): LoadedModel {
    if (this.active === undefined) throw new Error('ModelWatcher.current() before start()');
    if (this.pending !== undefined) {
      this.previous?.detector.dispose();
      this.previous = this.active;
      this.active = this.pending;
      this.pending = undefined;
      this.logger.info(
        { model: this.dir, version: this.active.version, kind: this.active.detector.kind, features: this.active.detector.features.length },
        `model reloaded (version ${this.active.version}); the next batch uses it`,
      );
    }
    return this.active;
  }

  /**
   * The model of version `v`, when it is the one in use or the one it replaced; a batch tagged with an
   * older version than that cannot be scored consistently (a programming error: batches pass a pipeline's
   * transforms one at a time).
   */
  version(v: number): LoadedModel {
    for (const m of [this.active, this.previous]) if (m?.version === v) return m;
    throw new Error(`model version ${v} of ${this.dir} is no longer loaded (in use: ${this.active?.version})`);
  }

  /** Checks the directory now (also called by the watchers); resolves when any resulting load is done. */
  check(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.loading !== undefined) {
      this.checkAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.checkAgain = false;
        await this.loadIfChanged();
      } while (this.checkAgain && !this.isClosed);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Stops watching and disposes the models; idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.loading?.catch(() => undefined);
    this.pending?.detector.dispose();
    this.active?.detector.dispose();
    this.previous?.detector.dispose();
    this.pending = undefined;
    this.active = undefined;
    this.previous = undefined;
  }

  /** Checks on every change `fs.watch` reports in `folder` for a name `isRelevant` accepts. */
  private watch(folder: string, isRelevant: (name: string) => boolean): void {
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name === null || isRelevant(String(name))) void this.check();
      });
      watcher.on('error', (error) => this.logger.debug({ err: error, folder }, 'model watch: fs.watch failed; polling only'));
      this.watchers.push(watcher);
    } catch (error) {
      this.logger.debug({ err: error, folder }, 'model watch: fs.watch unavailable; polling only');
    }
  }

  private async loadIfChanged(): Promise<void> {
    const identity = await this.identity();
    const newest = this.pending ?? this.active;
    if (identity === undefined || identity === newest?.identity || identity === this.failedIdentity) return;
    try {
      const detector = await loadDetector(this.dir);
      // The directory may have been replaced again while loading; the next check sees that.
      if (this.isClosed) {
        detector.dispose();
        return;
      }
      const inUse = this.active?.detector.features;
      if (this.sameFeatures && inUse !== undefined && detector.features.join('\u0000') !== inUse.join('\u0000')) {
        detector.dispose();
        throw new Error(`the new model reads features ${detector.features.join(', ')}, the one in use ${inUse.join(', ')}; a running pipeline reads fixed columns, so restart it to change them`);
      }
      this.pending?.detector.dispose();
      this.pending = { detector, version: ++this.versions, identity };
      this.failedIdentity = undefined;
    } catch (error) {
      this.failedIdentity = identity;
      this.logger.error({ err: error, model: this.dir }, 'model reload failed; still scoring with the current model');
    }
  }

  /** Inodes of the directory and its manifest plus the manifest's mtime and size; undefined while absent. */
  private async identity(): Promise<string | undefined> {
    try {
      const [d, m] = await Promise.all([stat(this.dir), stat(path.join(this.dir, MANIFEST))]);
      return `${d.ino}:${m.ino}:${m.mtimeMs}:${m.size}`;
    } catch {
      return undefined; // absent (or between the renames of an old-style directory swap): look again later
    }
  }
}
