import { describe, expect, it } from 'vitest';
import { AdaptiveThreshold } from '../../src/models/adaptive-threshold.js';
import { gaussian, seededRandom } from '../../src/models/random.js';

const scores = (n: number, seed: number, shift = 0) => {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, () => Math.abs(gaussian(random)) + shift);
};

describe('AdaptiveThreshold', () => {
  it('uses the warm-up threshold until warmupRows scores were seen, then the streaming quantile', () => {
    const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 1000, windowRows: 0, relativeAccuracy: 0.01, warmupThreshold: 7, learnFlagged: false });
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
    const t = new AdaptiveThreshold({ quantile: 0.9, warmupRows: 10, windowRows: 0, relativeAccuracy: 0.01, warmupThreshold: null, learnFlagged: false });
    expect(t.flagAndLearn([1, 1, 1])).toEqual([false, false, false]); // warm-up without a threshold flags nothing
    t.learn(scores(5000, 3));
    const burst = new Array(5000).fill(100);
    expect(t.flagAndLearn(burst).every(Boolean)).toBe(true);
  });

  it('follows a drifting stream within two windows', () => {
    const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 100, windowRows: 5000, relativeAccuracy: 0.01, warmupThreshold: null, learnFlagged: false });
    t.learn(scores(20_000, 4));
    const before = t.threshold()!;
    t.learn(scores(10_000, 5, 10)); // the whole distribution moved up by 10
    expect(t.threshold()!).toBeGreaterThan(before + 9);
  });

  it('is deterministic and ignores non-finite scores', () => {
    const run = () => {
      const t = new AdaptiveThreshold({ quantile: 0.95, warmupRows: 50, windowRows: 300, relativeAccuracy: 0.01, warmupThreshold: 1, learnFlagged: false });
      return [t.flagAndLearn([...scores(400, 6), Number.NaN]), t.threshold(), t.rows()];
    };
    const [flags, threshold, rows] = run();
    expect(rows).toBe(400);
    expect(run()).toEqual([flags, threshold, rows]);
  });

  it('a long burst of anomalies does not raise the bar: the flagged rows of an incident are counted, not learnt', () => {
    const run = (learnFlagged: boolean) => {
      const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 1000, windowRows: 5000, relativeAccuracy: 0.01, warmupThreshold: null, learnFlagged });
      t.flagAndLearn(scores(20_000, 7));
      const before = t.threshold()!;
      // 20 batches of 1000 rows at score 100: four windows' worth, so the normal rows are forgotten.
      const flagged = Array.from({ length: 20 }, () => t.flagAndLearn(new Array(1000).fill(100)).filter(Boolean).length);
      return { before, after: t.threshold()!, flagged, holding: t.isHoldingOutFlagged() };
    };
    const held = run(false);
    expect(held.after).toBeCloseTo(held.before, 10);
    expect(held.flagged.every((n) => n === 1000)).toBe(true);
    expect(held.holding).toBe(true);
    // The same stream learning flagged rows at their own score: the burst raises the bar and stops flagging itself.
    const learnt = run(true);
    expect(learnt.after).toBeGreaterThan(90);
    expect(learnt.flagged.at(-1)).toBe(0);
    expect(learnt.holding).toBe(false);
  });

  it('on a stationary stream the bar stays at the quantile over many windows (ordinary flagged rows are learnt)', () => {
    const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 1000, windowRows: 5000, relativeAccuracy: 0.01, warmupThreshold: null, learnFlagged: false });
    let flagged = 0;
    let rows = 0;
    for (let batch = 0; batch < 60; batch++) {
      const f = t.flagAndLearn(scores(1000, 100 + batch));
      if (batch >= 2) {
        flagged += f.filter(Boolean).length;
        rows += f.length;
      }
    }
    // |N(0,1)|'s 0.99 quantile is 2.576; about 1 % of rows are flagged, an ordinary share, so they are learnt.
    expect(t.threshold()!).toBeGreaterThan(2.576 * 0.95);
    expect(t.threshold()!).toBeLessThan(2.576 * 1.05);
    expect(flagged / rows).toBeGreaterThan(0.005);
    expect(flagged / rows).toBeLessThan(0.015);
  });

  it('follows a level that moves down, flagging rows through flagAndLearn alone', () => {
    const t = new AdaptiveThreshold({ quantile: 0.99, warmupRows: 1000, windowRows: 5000, relativeAccuracy: 0.01, warmupThreshold: null, learnFlagged: false });
    for (let batch = 0; batch < 10; batch++) t.flagAndLearn(scores(1000, 200 + batch, 10));
    expect(t.threshold()!).toBeGreaterThan(12);
    for (let batch = 0; batch < 12; batch++) t.flagAndLearn(scores(1000, 300 + batch));
    expect(t.threshold()!).toBeLessThan(2.576 * 1.05);
  });
});
