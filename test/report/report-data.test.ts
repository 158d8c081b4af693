import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/models/random.js';
import { META } from '../../src/io/batch-meta.js';
import { withMetadata } from '../../src/io/batch.js';
import { flagsOf, MAX_INPUTS, ReportCollector, Reservoir, TopN } from '../../src/report/report-data.js';

function batchOf(columns: Record<string, unknown>): RecordBatch {
  return tableFromArrays(columns as never).batches[0] as unknown as RecordBatch;
}

describe('TopN', () => {
  it('keeps the N highest scores over any batching, highest first', () => {
    const random = seededRandom(3);
    const scores = Array.from({ length: 5000 }, () => random());
    const top = new TopN<number>(25);
    scores.forEach((s, i) => top.offer(s, () => i));
    const expected = scores
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 25);
    expect(top.sorted().map((e) => e.item)).toEqual(expected.map((e) => e.i));
    expect(top.size).toBe(25);
  });

  it('keeps the earlier row among equal scores and never ranks NaN', () => {
    const top = new TopN<string>(2);
    top.offer(1, () => 'a');
    top.offer(Number.NaN, () => 'nan');
    top.offer(1, () => 'b');
    top.offer(1, () => 'c');
    top.offer(0.5, () => 'd');
    expect(top.sorted().map((e) => e.item)).toEqual(['a', 'b']);
  });

  it('builds an item only when the row enters', () => {
    const top = new TopN<number>(3);
    let built = 0;
    for (let i = 0; i < 100; i++) top.offer(i, () => ++built);
    // Ascending scores: every row enters once.
    expect(built).toBe(100);
    built = 0;
    for (let i = 0; i < 100; i++) top.offer(-i, () => ++built);
    expect(built).toBe(0);
  });
});

describe('Reservoir', () => {
  it('holds at most its capacity and the same seed gives the same sample', () => {
    const sample = (seed: number) => {
      const r = new Reservoir<number>(50, seededRandom(seed));
      for (let i = 0; i < 10_000; i++) r.offer(i);
      return r.sample();
    };
    expect(sample(1)).toHaveLength(50);
    expect(sample(1)).toEqual(sample(1));
    expect(sample(1)).not.toEqual(sample(2));
    // Uniform over the stream: the mean of 50 draws from 0..9999 is near 5000 (sd ~ 408).
    const mean = sample(1).reduce((a, b) => a + b, 0) / 50;
    expect(Math.abs(mean - 5000)).toBeLessThan(1500);
  });
});

describe('ReportCollector', () => {
  const options = { features: ['a', 'b'], topN: 3, maxScores: 5, maxPoints: 4, seed: 1, idColumn: 'id', x: 'x', y: 'y', color: 'is_anomaly' };
  const batches = [
    batchOf({ id: ['r1', 'r2', 'r3'], a: Float64Array.of(1, 2, 3), b: Float64Array.of(10, 20, 30), x: Float64Array.of(0, 1, 2), y: Float64Array.of(0, 1, NaN), is_anomaly: [false, true, false] }),
    batchOf({ id: ['r4', 'r5', 'r6'], a: Float64Array.of(4, 5, 6), b: Float64Array.of(40, 50, 60), x: Float64Array.of(3, 4, 5), y: Float64Array.of(3, 4, 5), is_anomaly: [true, false, false] }),
  ];

  it('ranks the top rows with their feature values, counts flags and bounds scores and points', () => {
    const c = new ReportCollector(options);
    const scores = [Float64Array.of(0.1, 0.9, 0.2), Float64Array.of(0.8, 0.3, 0.05)];
    batches.forEach((b, i) => c.add(b, i, scores[i], flagsOf(b, 'is_anomaly')));
    const data = c.result();
    expect(data.rows).toBe(6);
    expect(data.top.map((r) => [r.id, r.rowNumber, r.isAnomaly])).toEqual([
      ['r2', 2, true],
      ['r4', 4, true],
      ['r5', 5, false],
    ]);
    expect(Array.from(data.top[1].features)).toEqual([4, 40]);
    expect(data.anomalies).toBe(2);
    expect(Array.from(data.scores)).toEqual([0.1, 0.9, 0.2, 0.8, 0.3].map(Math.fround));
    expect(data.isScoresTruncated).toBe(true);
    // r3 has y = NaN and cannot be placed: 5 placeable rows, a sample of 4.
    expect(data.hasMap).toBe(true);
    expect(data.mapRows).toBe(5);
    expect(data.points).toHaveLength(4);
    expect(data.colorType).toBe('nominal');
  });

  it('maps scores of a row subset back to their batch rows', () => {
    const c = new ReportCollector({ ...options, x: undefined, y: undefined });
    c.add(batches[1], 0, Float64Array.of(0.7, 0.6), null, [0, 2]);
    const data = c.result();
    expect(data.top.map((r) => r.id)).toEqual(['r4', 'r6']);
    expect(data.hasMap).toBe(false);
    expect(data.anomalies).toBeNull();
  });

  it('names its inputs from the batch metadata: files, then Kafka topics; none for in-memory batches', () => {
    const withMeta = (b: RecordBatch, meta: Record<string, string>) => withMetadata(b, new Map(Object.entries(meta)));
    const c = new ReportCollector({ ...options, x: undefined, y: undefined });
    c.add(withMeta(batches[0], { [META.file]: '/data/a.csv' }), 0, Float64Array.of(1, 2, 3), null);
    c.add(withMeta(batches[1], { [META.file]: '/data/a.csv' }), 1, Float64Array.of(1, 2, 3), null);
    c.add(withMeta(batches[1], { [META.topics]: 'pumps,fans' }), 2, Float64Array.of(1, 2, 3), null);
    expect(c.result()).toMatchObject({ inputs: ['/data/a.csv', 'Kafka topics pumps, fans'], hasMoreInputs: false });
    const many = new ReportCollector({ ...options, x: undefined, y: undefined });
    for (let i = 0; i <= MAX_INPUTS; i++) many.add(withMeta(batches[0], { [META.file]: `/data/${i}.csv` }), i, Float64Array.of(1, 2, 3), null);
    expect(many.result()).toMatchObject({ inputs: Array.from({ length: MAX_INPUTS }, (_, i) => `/data/${i}.csv`), hasMoreInputs: true });
    const plain = new ReportCollector(options);
    plain.add(batches[0], 0, Float64Array.of(1, 2, 3), null);
    expect(plain.result()).toMatchObject({ inputs: [], hasMoreInputs: false });
  });

  it('a numeric colour column of few integer values (class ids) reads as nominal, fractional scores as quantitative', () => {
    const colored = (values: Float64Array | Int32Array) => {
      const c = new ReportCollector({ ...options, color: 'c', maxPoints: 10 });
      c.add(batchOf({ id: ['a', 'b', 'c', 'd'], a: Float64Array.of(1, 2, 3, 4), b: Float64Array.of(1, 2, 3, 4), x: Float64Array.of(0, 1, 2, 3), y: Float64Array.of(0, 1, 2, 3), c: values }), 0, Float64Array.of(1, 2, 3, 4), null);
      return c.result().colorType;
    };
    expect(colored(Int32Array.of(0, 2, 1, 2))).toBe('nominal');
    expect(colored(Float64Array.of(0.1, 0.5, 0.25, 2.5))).toBe('quantitative');
  });

  it('names the missing id column and the columns present', () => {
    const c = new ReportCollector({ ...options, idColumn: 'key' });
    expect(() => c.add(batches[0], 0, Float64Array.of(1, 2, 3), null)).toThrow(/no column "key".*id, a, b, x, y, is_anomaly/);
  });
});
