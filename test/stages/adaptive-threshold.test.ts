import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { gaussian, seededRandom } from '../../src/models/random.js';
import { adaptiveThreshold } from '../../src/stages/adaptive-threshold.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

const scores = (n: number, seed: number, shift = 0) => {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, () => Math.abs(gaussian(random)) + shift);
};

describe('adaptive-threshold stage', () => {
  it('adds the flag column and keeps every other column', async () => {
    const batches = [0, 1, 2].map((i) => tableFromArrays({ id: Float64Array.from({ length: 500 }, (_, r) => i * 500 + r), score: scores(500, 10 + i) }).batches[0] as unknown as RecordBatch);
    const stage = adaptiveThreshold.create(adaptiveThreshold.params.parse({ quantile: 0.99, warmupRows: 500 }), testContext());
    const out = await collect(stage.transform(fromArray(batches)));
    expect(out.map((b) => b.schema.fields.map((f) => f.name))).toEqual([0, 1, 2].map(() => ['id', 'score', 'is_anomaly']));
    // Warm-up without a model: the first batch flags nothing; later ones about 1 %.
    const flagged = out.map((b) => (b.getChild('is_anomaly')!.toArray() as unknown as boolean[]).filter(Boolean).length);
    expect(flagged[0]).toBe(0);
    expect(flagged[1] + flagged[2]).toBeGreaterThan(0);
    expect(flagged[1] + flagged[2]).toBeLessThan(40);
    await stage.close();
  });
});
