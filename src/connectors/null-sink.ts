import { z } from 'zod';
import { defineStage } from '../contract/stage.js';

/** Consumes and discards every batch: for pipelines run for their side effects (a fit that saves a model). */
export const nullSink = defineStage({
  type: 'null-sink',
  kind: 'sink',
  description: 'Discards all rows (for pipelines run for a side effect, such as fitting and saving a model)',
  params: z.strictObject({}),
  create() {
    return {
      kind: 'sink',
      async write(input) {
        let rows = 0;
        let batches = 0;
        for await (const batch of input) {
          rows += batch.numRows;
          batches++;
        }
        return { rows, batches, target: 'null' };
      },
      async close() {},
    };
  },
});
