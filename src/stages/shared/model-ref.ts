import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { loadDetector } from '../../artifact/model-dir.js';
import { META } from '../../io/batch-meta.js';
import { withMetadata } from '../../io/batch.js';
import type { Detector } from '../../models/detector.js';
import type { StageContext } from '../../contract/stage.js';

/** The model a batch is handled with, and the batch to build on (tagged with that model's version). */
export interface BatchModel {
  detector: Detector;
  /** 1 for a model that is never replaced; increments with each reload of a watched directory. */
  version: number;
  batch: RecordBatch;
}

/** A stage's `model` param, resolved; see {@link modelRef}. */
export interface ModelRef {
  /** Where the model comes from, for people: `fit stage "pump-ae" of this run`, or its directory. */
  origin: string;
  /** The model (for a watched directory, the one in use now). */
  get(): Promise<Detector>;
  /** The model to handle `batch` with: for a watched directory, the same version for every stage of the run. */
  forBatch(batch: RecordBatch): Promise<BatchModel>;
}

/**
 * Resolves a stage's `model` param: the detector published by the fit stage with that id in this run, or
 * else the model directory at that path (relative to the pipeline file). A directory is loaded once per run
 * however many stages name it; the run's model slots own and free it.
 *
 * Watch mode (`watchModel` on any stage naming the directory, see {@link watchModelParams}): the directory
 * is reloaded when replaced, and the switch happens between batches, at the same batch for every stage. The
 * first stage to handle a batch takes the newest model and tags the batch's schema metadata with its
 * version; later stages use that version (the watcher keeps the one before loaded), so a batch is never
 * scored by one model and flagged by another's threshold.
 */
export function modelRef(ref: string, ctx: StageContext, watch?: { watchModel: boolean; reloadCheckMs: number }): ModelRef {
  const isStageId = ctx.models.has(ref);
  const dir = path.resolve(ctx.baseDir, ref);
  if (!isStageId && watch?.watchModel === true) ctx.models.watch(dir, watch.reloadCheckMs);
  const key = `${META.modelVersion}${dir}`;
  let pending: Promise<Detector> | undefined;
  const once = () => {
    pending ??= isStageId
      ? ctx.models.get<Detector>(ref)
      : ctx.models.loadOnce(dir, async () => {
          const detector = await loadDetector(dir);
          ctx.logger.info({ model: dir, kind: detector.kind, features: detector.features.length }, 'model loaded');
          return detector;
        });
    return pending;
  };
  const watcher = () => (isStageId ? undefined : ctx.models.watcher(dir, ctx.logger));
  return {
    origin: isStageId ? `fit stage "${ref}" of this run` : dir,
    async get() {
      const w = watcher();
      return w ? (await w).current().detector : once();
    },
    async forBatch(batch) {
      const w = watcher();
      if (w === undefined) return { detector: await once(), version: 1, batch };
      const tagged = batch.schema.metadata.get(key);
      if (tagged !== undefined) return { detector: (await w).version(Number(tagged)).detector, version: Number(tagged), batch };
      const m = (await w).current();
      return { detector: m.detector, version: m.version, batch: withMetadata(batch, new Map([...batch.schema.metadata, [key, String(m.version)]])) };
    },
  };
}
