import { z } from 'zod';
import { defineStage } from '../contract/stage.js';

const params = z.strictObject({
  offset: z.number().int().min(0).default(0).describe('Rows to skip from the start of the stream (rows)'),
  rows: z.number().int().positive().optional().describe('Rows to pass on after the offset (rows; default: all the rest)'),
});

/**
 * Passes on the rows `[offset, offset + rows)` of the stream, in order, and stops pulling its input once they
 * are through (so a large file is not read to the end). Batches are sliced without copying. Handy for a
 * positional train/test split or a quick run on the first rows of a file. A batch it drops whole is
 * settled (nothing of it is to be written), so a Kafka source still commits past the skipped rows.
 */
export const slice = defineStage({
  type: 'slice',
  kind: 'transform',
  description: 'Passes on rows [offset, offset + rows) of the stream and stops reading after them',
  params,
  create(p, ctx) {
    let passed = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        const end = p.rows === undefined ? Infinity : p.offset + p.rows;
        let at = 0;
        for await (const batch of input) {
          const from = Math.max(0, p.offset - at);
          const to = Math.min(batch.numRows, end - at);
          at += batch.numRows;
          if (to > from) {
            passed += to - from;
            yield from === 0 && to === batch.numRows ? batch : batch.slice(from, to);
          } else ctx.acks.settle(batch);
          if (at >= end) return;
        }
      },
      async close() {},
      stats: () => ({ rows: passed }),
    };
  },
});
