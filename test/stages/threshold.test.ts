import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { threshold } from '../../src/stages/threshold.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

/** The threshold stage's `rule` (what `score --threshold` uses); its saved-threshold path is tested with the fits in score.test.ts. */
describe('threshold rule', () => {
  it('threshold by rule fits on the stream and flags the top fraction', async () => {
    const t = tableFromArrays({ score: Float64Array.from({ length: 100 }, (_, i) => i) });
    const stage = threshold.create(threshold.params.parse({ rule: { method: 'percentile', value: 90 } }), testContext());
    const out = await collect(stage.transform(fromArray(t.batches)));
    const flags = Array.from({ length: 100 }, (_, i) => out[0].getChild('is_anomaly')!.get(i));
    expect(flags.filter(Boolean).length).toBe(10);
    expect(flags.slice(90).every(Boolean)).toBe(true);
  });

  const batch = (from: number) => tableFromArrays({ score: Float64Array.from({ length: 10 }, (_, i) => from + i) }).batches[0] as RecordBatch;

  it('fixed flags each batch as it arrives, without holding the stream (a never-ending topic works)', async () => {
    let pulled = 0;
    async function* endless() {
      for (let i = 0; ; i++) {
        pulled++;
        yield batch(i * 10);
      }
    }
    const stage = threshold.create(threshold.params.parse({ rule: { method: 'fixed', value: 14.5 } }), testContext());
    const flags: boolean[] = [];
    for await (const out of stage.transform(endless())) {
      for (let r = 0; r < out.numRows; r++) flags.push(Boolean(out.getChild('is_anomaly')!.get(r)));
      if (flags.length === 20) break;
    }
    expect(pulled).toBe(2);
    expect(flags).toEqual(Array.from({ length: 20 }, (_, i) => i > 14.5));
    expect(stage.stats?.()).toMatchObject({ rows: 20, anomalies: 5, threshold: 14.5, method: 'fixed' });
  });
});
