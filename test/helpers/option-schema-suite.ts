import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { describeStages } from '../../src/cli/list.js';
import { ModelConfigError, SpecError } from '../../src/errors.js';
import { parsePipelines } from '../../src/pipeline/spec.js';

/**
 * The checks of issue 13 item 3 for one model whose options are declared once in a schema, and a stage
 * whose params take them at the top level (pca-fit, umap, tsne): `latentflow list` shows an option with its
 * schema default and description, and the model's constructor and the stage refuse a bad value with the
 * same message.
 */
export interface OptionSchemaCase<C> {
  /** Stage type whose params include the options. */
  stage: string;
  /** The options as the schema declares them. */
  shape: Record<string, z.ZodType>;
  construct: (config: C) => unknown;
  /** Option name and the `type = default` text list prints for it. */
  listed: readonly (readonly [string, string])[];
  /** Title, the bad param as YAML flow text, the same as a config, and the full message both must give. */
  refused: readonly (readonly [string, string, C, string])[];
}

export function optionSchemaSuite<C>(c: OptionSchemaCase<C>): void {
  describe(`one schema per model: ${c.stage}`, () => {
    test.each(c.listed)('latentflow list shows %s with its schema default and description', (name, typeAndDefault) => {
      const block = describeStages().split(`\n${c.stage} (transform)`)[1].split(/\n\S/)[0];
      const description = String(c.shape[name].meta()?.description);
      expect(description.length).toBeGreaterThan(10);
      expect(`${block}\n`).toContain(`\n    ${name}: ${typeAndDefault}  ${description}\n`);
    });

    test.each(c.refused)('%s: the constructor and the stage refuse it with the same message', (_title, params, config, message) => {
      const model = thrown(() => c.construct(config));
      const stage = thrown(() => parsePipelines(`source: { type: csv-source, path: in.csv }\nstages:\n  - { type: ${c.stage}, ${params} }\nsink: { type: null-sink }\n`, 'p.yaml'));
      expect(model).toBeInstanceOf(ModelConfigError);
      expect(stage).toBeInstanceOf(SpecError);
      expect((model as ModelConfigError).message).toBe(message);
      expect((stage as SpecError).message).toContain(message);
    });
  });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
