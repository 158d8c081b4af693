import { Field, Float64, makeData, RecordBatch, Schema, Struct, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { definePipeline, runPipeline, TableCollector } from '../../src/index.js';
import { planeWithOutliers } from '../helpers/data.js';

/** In-memory Arrow in and out (issue 17 item 3): library users run stages without writing files. */
describe('table-source and table-sink', () => {
  const input = new Table(planeWithOutliers(300, 6, 5, 300));

  it('run a pipeline from a Table to a Table, every input column leaving as it came, the user table untouched', async () => {
    const before = tableToIPC(input, 'stream');
    const out = new TableCollector();
    const summary = await runPipeline(
      definePipeline({
        source: { type: 'table-source', table: input, batchRows: 100 },
        stages: [{ type: 'pca-fit', id: 'pca', exclude: ['outlier'], k: 2 }, { type: 'score', model: 'pca' }, { type: 'threshold', model: 'pca' }],
        sink: { type: 'table-sink', into: out },
      }),
    );
    expect(summary.rows).toBe(300);
    expect(summary.sink).toMatchObject({ rows: 300, batches: 3, target: 'table' });
    const table = out.table;
    expect(table.schema.fields.map((f) => f.name)).toEqual([...input.schema.fields.map((f) => f.name), 'score', 'is_anomaly']);
    for (const f of input.schema.fields) expect(table.getChild(f.name)!.toArray()).toEqual(input.getChild(f.name)!.toArray());
    // The fit's default threshold (contamination 0.01) flags 3 of 300 rows.
    expect(Array.from(table.getChild('is_anomaly')!).filter(Boolean)).toHaveLength(3);
    // Source bookkeeping stays inside the run; the caller's table is byte for byte what it was.
    expect([...table.schema.metadata.keys()].filter((k) => k.startsWith('latentflow.'))).toEqual([]);
    expect(Buffer.from(tableToIPC(input, 'stream')).equals(Buffer.from(before))).toBe(true);
  });

  it('a failed run leaves the collector as it was', async () => {
    const out = new TableCollector();
    const bad = tableFromArrays({ a: Float64Array.from([1, Number.NaN, 3]) });
    const run = runPipeline(definePipeline({ source: { type: 'table-source', table: bad }, stages: [{ type: 'pca-fit', id: 'p' }], sink: { type: 'table-sink', into: out } }));
    await expect(run).rejects.toMatchObject({ code: 'E_DATA', row: 1, column: 'a' });
    expect(out.filled).toBe(false);
    expect(() => out.table).toThrow(/no run has written/);
  });

  it('reads record batches and async iterables too', async () => {
    async function* stream() {
      yield* input.batches;
    }
    for (const table of [input.batches, stream()]) {
      const out = new TableCollector();
      await runPipeline(definePipeline({ source: { type: 'table-source', table }, sink: { type: 'table-sink', into: out } }));
      expect(out.table.numRows).toBe(300);
    }
  });

  it('two columns of one name are a DataError naming both positions, not a silently ignored column', async () => {
    const fields = [new Field('a', new Float64()), new Field('a', new Float64())];
    const column = makeData({ type: new Float64(), length: 2, data: Float64Array.from([1, 2]) });
    const dup = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 2, nullCount: 0, children: [column, column] }));
    const run = runPipeline(definePipeline({ source: { type: 'table-source', table: [dup] }, sink: { type: 'table-sink', into: new TableCollector() } }));
    await expect(run).rejects.toMatchObject({ code: 'E_DATA', column: 'a', message: expect.stringContaining("duplicate column name \"a\" in the table's schema at columns 1 and 2") });
  });

  it('an empty table gives an empty table with its columns', async () => {
    const out = new TableCollector();
    const empty = tableFromArrays({ a: new Float64Array(0), b: new Float64Array(0) });
    await runPipeline(definePipeline({ source: { type: 'table-source', table: empty }, sink: { type: 'table-sink', into: out } }));
    expect(out.table.numRows).toBe(0);
    expect(out.table.schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('in YAML, where no table can be given, is a SpecError saying they are for code', () => {
    // Typed pipelines reject these at compile time; plain JavaScript and YAML get the SpecError.
    // @ts-expect-error a path is not a table
    expect(() => definePipeline({ source: { type: 'table-source', table: 'data.csv' }, sink: { type: 'null-sink' } })).toThrow(/table-source is for code/);
    // @ts-expect-error a plain object is not a TableCollector
    expect(() => definePipeline({ source: { type: 'csv-source', path: 'x.csv' }, sink: { type: 'table-sink', into: {} } })).toThrow(/TableCollector/);
  });
});
