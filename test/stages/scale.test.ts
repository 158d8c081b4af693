import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { scale } from '../../src/stages/scale.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

/** Runs the scale stage over `batches` and returns its output and stats. */
async function run(params: Record<string, unknown>, batches: RecordBatch[]) {
  const stage = scale.create(scale.params.parse(params), testContext({ stageId: 'scale' }));
  try {
    return { out: await collect(stage.transform(fromArray(batches))), stats: stage.stats?.() };
  } finally {
    await stage.close();
  }
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const column = (batches: RecordBatch[], name: string) => batches.flatMap((b) => numbers(b, name));

describe('scale stage', () => {
  const batches = planeWithOutliers(900, 0, 5, 400);

  it('standard: every feature column leaves with mean 0 and standard deviation 1 over all rows, as Float32', async () => {
    const { out, stats } = await run({ exclude: ['outlier'] }, batches);
    expect(out.map((b) => b.numRows)).toEqual([400, 400, 100]);
    for (let c = 0; c < 6; c++) {
      const v = column(out, `f${c}`);
      expect(Math.abs(mean(v))).toBeLessThan(1e-5);
      expect(Math.sqrt(mean(v.map((x) => x * x)))).toBeCloseTo(1, 5);
      expect(String(out[0].schema.fields.find((f) => f.name === `f${c}`)!.type)).toBe('Float32');
    }
    expect(stats).toEqual({ rows: 900 });
  });

  it('keeps the column order, and the columns it does not scale (id, excluded label) exactly as they came', async () => {
    const { out } = await run({ exclude: ['outlier'] }, batches);
    out.forEach((b, i) => {
      expect(b.schema.fields.map((f) => f.name)).toEqual(batches[i].schema.fields.map((f) => f.name));
      expect(b.getChild('id')!.toArray()).toEqual(batches[i].getChild('id')!.toArray());
      expect(b.getChild('outlier')!.toArray()).toEqual(batches[i].getChild('outlier')!.toArray());
    });
  });

  it('minmax maps each feature onto [0, 1], its minimum to 0 and its maximum to 1', async () => {
    const { out } = await run({ features: ['f0', 'f3'], method: 'minmax' }, batches);
    for (const f of ['f0', 'f3']) {
      const v = column(out, f);
      expect(Math.min(...v)).toBe(0);
      expect(Math.max(...v)).toBeCloseTo(1, 6);
    }
    expect(column(out, 'f1')).toEqual(column(batches, 'f1'));
  });

  it('a missing value is a DataError by default; drop leaves its row out, impute fills the mean (0 once standardized)', async () => {
    const gap = tableFromArrays({ a: Float64Array.from([1, NaN, 3, 5]), b: Float64Array.from([2, 4, 6, 8]) }).batches as unknown as RecordBatch[];
    await expect(run({}, gap)).rejects.toThrow(DataError);
    const kept = [2, 6, 8]; // b of the rows without a gap
    const sd = Math.sqrt(mean(kept.map((x) => (x - mean(kept)) ** 2)));
    expect(column((await run({ onMissing: 'drop' }, gap)).out, 'b')).toEqual(kept.map((x) => Math.fround((x - mean(kept)) / sd)));
    expect(column((await run({ onMissing: 'impute' }, gap)).out, 'a')[1]).toBe(0);
  });

  it('more rows than maxRows is a DataError saying so, raised while buffering', async () => {
    const error = await run({ maxRows: 500 }, batches).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/scale: the rows to scale exceeds maxRows=500; raise maxRows/);
  });
});
