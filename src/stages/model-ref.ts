import path from 'node:path';
import { loadDetector } from '../artifact/model-dir.js';
import type { Detector } from '../models/detector.js';
import type { StageContext } from '../pipeline/stage.js';

/**
 * Resolves a stage's `model` param once: the detector published by the fit stage with that id in this run,
 * or else the model directory at that path. Models loaded from disk are owned (and disposed) by the caller.
 */
export function modelRef(ref: string, ctx: StageContext): { get(): Promise<Detector>; dispose(): void } {
  const isStageId = ctx.models.has(ref);
  let pending: Promise<Detector> | undefined;
  let loaded: Detector | undefined;
  return {
    get() {
      pending ??= isStageId
        ? ctx.models.get<Detector>(ref)
        : loadDetector(path.resolve(ctx.baseDir, ref)).then((d) => {
            loaded = d;
            ctx.logger.info({ model: path.resolve(ctx.baseDir, ref), kind: d.kind, features: d.features.length }, 'model loaded');
            return d;
          });
      return pending;
    },
    dispose() {
      loaded?.dispose();
      loaded = undefined;
    },
  };
}
