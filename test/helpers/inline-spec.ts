import type { StageDefinition } from '../../src/contract/stage.js';
import type { PipelineSpec, StageSpec } from '../../src/pipeline/spec.js';

/** A stage of an in-code pipeline built from `definition`, with no params, at no place in any file. */
export function inlineStage(id: string, definition: StageDefinition): StageSpec {
  return { id, type: definition.type, definition, params: {}, location: { file: '<inline>', line: 0, column: 0, path: id }, paramLocations: {} };
}

/** A validated pipeline around `source`, `stages` and `sink`, with the defaults a spec file would get. */
export function inlinePipeline(name: string, parts: { source: StageSpec; stages?: StageSpec[]; sink: StageSpec }, extra: Partial<PipelineSpec> = {}): PipelineSpec {
  return { name, seed: 1, backend: 'auto', statsIntervalMs: 0, ops: null, file: '/nowhere/<inline>', baseDir: '/nowhere', stages: [], ...parts, ...extra };
}
