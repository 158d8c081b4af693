import path from 'node:path';
import { loadDetector } from '../../artifact/model-dir.js';
import type { Detector } from '../../models/detector.js';
import type { StageContext } from '../../contract/stage.js';

/**
 * Resolves a stage's `model` param: the detector published by the fit stage with that id in this run, or
 * else the model directory at that path (relative to the pipeline file). A directory is loaded once per run
 * however many stages name it; the run's model slots own and free it.
 */
export function modelRef(ref: string, ctx: StageContext): { get(): Promise<Detector>; origin: string } {
  const isStageId = ctx.models.has(ref);
  const dir = path.resolve(ctx.baseDir, ref);
  let pending: Promise<Detector> | undefined;
  return {
    /** Where the model comes from, for people: `fit stage "pump-ae" of this run`, or its directory. */
    origin: isStageId ? `fit stage "${ref}" of this run` : dir,
    get() {
      pending ??= isStageId
        ? ctx.models.get<Detector>(ref)
        : ctx.models.loadOnce(dir, async () => {
            const detector = await loadDetector(dir);
            ctx.logger.info({ model: dir, kind: detector.kind, features: detector.features.length }, 'model loaded');
            return detector;
          });
      return pending;
    },
  };
}
