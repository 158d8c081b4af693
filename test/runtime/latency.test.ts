import { describe, expect, it } from 'vitest';
import { LatencySketch } from '../../src/runtime/latency.js';
import { seededRandom } from '../../src/models/random.js';

describe('LatencySketch', () => {
  it('is empty (nulls, count 0) until a latency arrives', () => {
    expect(new LatencySketch().quantiles()).toEqual({ p50: null, p99: null, max: null, count: 0 });
  });

  it('reports p50 and p99 within 1 % of the exact quantiles of 100,000 skewed latencies, and the exact max', () => {
    const next = seededRandom(4);
    const sketch = new LatencySketch();
    // Log-normal-ish: mostly a few ms, a long tail to seconds, as settle latencies are.
    const samples = Array.from({ length: 100_000 }, () => Math.exp(1 + 1.5 * (next() + next() + next() - 1.5)));
    for (const s of samples) sketch.accept(s);
    const sorted = [...samples].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.ceil(q * sorted.length) - 1];
    const { p50, p99, max, count } = sketch.quantiles();
    expect(count).toBe(100_000);
    expect(Math.abs(p50! - exact(0.5)) / exact(0.5)).toBeLessThan(0.011);
    expect(Math.abs(p99! - exact(0.99)) / exact(0.99)).toBeLessThan(0.011);
    expect(max).toBeCloseTo(sorted.at(-1)!, 1);
  });

  it('skips negative latencies (another clock ahead of ours) instead of counting them', () => {
    const sketch = new LatencySketch();
    [5, -3, 7].forEach((ms) => sketch.accept(ms));
    expect(sketch.quantiles()).toMatchObject({ count: 2, max: 7 });
  });
});
