import path from 'node:path';
import { loadDetector } from '../artifact/model-dir.js';
import { LatentflowError, SpecError } from '../errors.js';
import type { PipelineSpec, StageSpec } from '../pipeline/spec.js';
import { selectBackend } from '../runtime/backend.js';

/**
 * What `validate` checks about `model:` params, following the rules the runner resolves them by
 * (stages/model-ref.ts): a `model` string names a fit stage created earlier in the same document (the
 * runner creates the source, the stages in order, then the sink, and model ids are local to one document),
 * or else a model directory relative to the pipeline file. A directory counts as resolved when an earlier
 * fit stage of this file saves there (`saveTo`; it exists by the time the stage runs), or when it holds a
 * model that loads (manifest validated, weights read). Any other reference is a SpecError at the `model`
 * key's file:line:column.
 */
export async function checkModelRefs(specs: readonly PipelineSpec[]): Promise<void> {
  const savedDirs = new Set<string>();
  const checkedDirs = new Map<string, Promise<string | undefined>>();
  let isBackendReady = false;
  const loadProblem = (dir: string): Promise<string | undefined> => {
    let pending = checkedDirs.get(dir);
    if (!pending) {
      pending = (async () => {
        if (!isBackendReady) {
          await selectBackend(specs[0]?.backend ?? 'auto');
          isBackendReady = true;
        }
        try {
          (await loadDetector(dir)).dispose();
          return undefined;
        } catch (error) {
          if (error instanceof LatentflowError) return error.message;
          throw error;
        }
      })();
      checkedDirs.set(dir, pending);
    }
    return pending;
  };

  const earlierDocumentIds = new Set<string>();
  for (const spec of specs) {
    const fitIds = new Set<string>();
    const allFits = [...spec.stages].filter(isFitStage).map((s) => s.id);
    for (const stage of [spec.source, ...spec.stages, spec.sink]) {
      const ref = stage.params.model;
      if (typeof ref === 'string') {
        const where = stage.paramLocations.model ?? stage.location;
        if (!fitIds.has(ref)) {
          const dir = path.resolve(spec.baseDir, ref);
          if (allFits.includes(ref)) {
            throw new SpecError(`model "${ref}" is a fit stage that comes after this stage; move the fit stage before the stages that use its model`, where);
          }
          if (!savedDirs.has(dir)) {
            const problem = await loadProblem(dir);
            if (problem !== undefined) {
              const ids = fitIds.size > 0 ? `fit stages before it: ${[...fitIds].join(', ')}` : 'no fit stage comes before it in this document';
              const local = earlierDocumentIds.has(ref) ? '; model ids are local to one YAML document: refer to the directory its fit saves to (saveTo)' : '';
              throw new SpecError(`model "${ref}" is neither a fit stage id (${ids}) nor a loadable model directory: ${problem}${local}`, where);
            }
          }
        }
      }
      if (isFitStage(stage)) {
        fitIds.add(stage.id);
        const saveTo = stage.params.saveTo;
        if (typeof saveTo === 'string') savedDirs.add(path.resolve(spec.baseDir, saveTo));
      }
    }
    for (const id of fitIds) earlierDocumentIds.add(id);
  }
}

/** A stage that publishes a model under its id: a fit stage, recognised by its `saveTo` param. */
function isFitStage(stage: StageSpec): boolean {
  const shape = (stage.definition.params as unknown as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && 'saveTo' in shape;
}
