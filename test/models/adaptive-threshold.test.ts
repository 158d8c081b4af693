import { describe, expect, it } from 'vitest';
import { AdaptiveThreshold } from '../../src/models/adaptive-threshold.js';
import { gaussian, seededRandom } from '../../src/models/random.js';

const scores = (n: number, seed: number, shift = 0) => {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, () => Math.abs(gaussian(random)) + shift);
};

describe('AdaptiveThreshold', () => {
  it('uses the warm-up threshold until warmupRows scores were seen, then the streaming quantile', () => {
    const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 1000, windowRows: 0, relativeAccuracy: 0.01, warmupThreshold: 7 });
    expect(t.threshold()).toBe(7);
    t.learn(scores(999, 1));
    expect(t.threshold()).toBe(7);
    t.learn(scores(20_000, 2));
    // |N(0,1)| has its 0.99 quantile at 2.576; the sketch is within 1 % of the sample quantile.
    expect(t.threshold()!).toBeGreaterThan(2.576 * 0.96);
    expect(t.threshold()!).toBeLessThan(2.576 * 1.04);
    expect(t.isWarm()).toBe(true);
  });

  it('flags a batch with the threshold from before the batch, so a burst cannot hide itself', () => {
    const t = new AdaptiveThreshold({ quantile: 0.9, warmupRows: 10, windowRows: 0, relativeAccuracy: 0.01, warmupThreshold: null });
    expect(t.flagAndLearn([1, 1, 1])).toEqual([false, false, false]); // warm-up without a threshold flags nothing
    t.learn(scores(5000, 3));
    const burst = new Array(5000).fill(100);
    expect(t.flagAndLearn(burst).every(Boolean)).toBe(true);
  });

  it('follows a drifting stream within two windows', () => {
    const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 100, windowRows: 5000, relativeAccuracy: 0.01, warmupThreshold: null });
    t.learn(scores(20_000, 4));
    const before = t.threshold()!;
    t.learn(scores(10_000, 5, 10)); // the whole distribution moved up by 10
    expect(t.threshold()!).toBeGreaterThan(before + 9);
  });

  it('is deterministic and ignores non-finite scores', () => {
    const run = () => {
      const t = new AdaptiveThreshold({ quantile: 0.95, warmupRows: 50, windowRows: 300, relativeAccuracy: 0.01, warmupThreshold: 1 });
      return [t.flagAndLearn([...scores(400, 6), Number.NaN]), t.threshold(), t.rows()];
    };
    const [flags, threshold, rows] = run();
    expect(rows).toBe(400);
    expect(run()).toEqual([flags, threshold, rows]);
  });
});
