import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DataType,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  util,
  vectorFromArray,
  type Data,
  type Vector,
} from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/index.js';
import { validatePipelineValue } from '../../src/pipeline/spec.js';
import { seededRandom } from '../../src/models/random.js';

/**
 * Robustness suite: columns that are not features reach every file sink unchanged, through
 * score -> threshold -> encode run in-process: from Parquet the same Arrow type (int64 beyond 2^53,
 * decimals, timestamps with unit and zone, dates, dictionaries, nulls), from CSV exactly the text read.
 */

const ROWS = 60;
const BASE_MS = 1767225600000; // 2026-01-01T00:00:00.000Z
const BIG = 2n ** 62n + 12345n; // beyond 2^53: a double cannot hold it

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lf-pass-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bits(valid: (i: number) => boolean, n: number): { nullBitmap: Uint8Array; nullCount: number } {
  const b = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (valid(i)) b[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return { nullBitmap: b, nullCount };
}

/** Pass-through columns of every type in the issue, rows [from, to), with nulls in each. */
function passThroughData(from: number, to: number): { fields: Field[]; children: Data[] } {
  const n = to - from;
  const rows = Array.from({ length: n }, (_, k) => from + k);
  const nullEvery = (m: number) => bits((k) => rows[k] % m !== 1, n);
  const i64 = new BigInt64Array(rows.map((r) => BIG + BigInt(r) * (r % 2 === 0 ? 1n : -3n)));
  const ms = new BigInt64Array(rows.map((r) => BigInt(BASE_MS + r * 1001)));
  const us = new BigInt64Array(rows.map((r) => BigInt(BASE_MS + r) * 1000n + 123n));
  const ns = new BigInt64Array(rows.map((r) => BigInt(BASE_MS + r) * 1_000_000n + 456789n));
  // Decimal(12, 2) words (little-endian 32-bit, two's complement): row r holds r * 100 + 5 - 3000 (cents).
  const dec = new Uint32Array(n * 4);
  rows.forEach((r, k) => {
    let v = BigInt(r * 100 + 5 - 3000);
    if (v < 0n) v += 2n ** 128n;
    for (let w = 0; w < 4; w++) dec[k * 4 + w] = Number((v >> BigInt(32 * w)) & 0xffffffffn);
  });
  const days = new Int32Array(rows.map((r) => 20454 + r));
  const cat = vectorFromArray(
    rows.map((r) => (r % 7 === 1 ? null : `cat-${r % 5}-${from}`)),
    CAT_TYPE,
  ).data[0];
  const note = vectorFromArray(
    rows.map((r) => (r % 4 === 1 ? null : `note ${r}, "quoted"`)),
    new Utf8(),
  ).data[0];
  const fields = [
    new Field('i64', new Int64(), true),
    new Field('ts_ms', new Timestamp(TimeUnit.MILLISECOND), true),
    new Field('ts_us', new Timestamp(TimeUnit.MICROSECOND, 'Europe/Paris'), true),
    new Field('ts_ns', new Timestamp(TimeUnit.NANOSECOND, 'America/New_York'), true),
    new Field('dec', new Decimal(2, 12, 128), true),
    new Field('day', new DateDay(), true),
    new Field('cat', cat.type, true),
    new Field('note', new Utf8(), true),
  ];
  const children = [
    makeData({ type: new Int64(), length: n, data: i64, ...nullEvery(3) }),
    makeData({ type: new Timestamp(TimeUnit.MILLISECOND), length: n, data: ms, ...nullEvery(5) }),
    makeData({ type: new Timestamp(TimeUnit.MICROSECOND, 'Europe/Paris'), length: n, data: us, ...nullEvery(6) }),
    makeData({ type: new Timestamp(TimeUnit.NANOSECOND, 'America/New_York'), length: n, data: ns, ...nullEvery(8) }),
    makeData({ type: new Decimal(2, 12, 128), length: n, data: dec, ...nullEvery(9) }),
    makeData({ type: new DateDay(), length: n, data: days, ...nullEvery(10) }),
    cat,
    note,
  ];
  return { fields, children };
}

/** A batch of rows [from, to): three float64 features (one null row for onMissing: drop) + pass-through columns. */
function inputBatch(from: number, to: number, random: () => number): RecordBatch {
  const n = to - from;
  const features = ['f1', 'f2', 'f3'].map((name, c) => {
    const values = new Float64Array(n);
    for (let k = 0; k < n; k++) values[k] = Math.sin(from + k + c) + 0.1 * random();
    return { field: new Field(name, new Float64(), true), data: makeData({ type: new Float64(), length: n, data: values, ...bits((k) => from + k !== 13 || c !== 1, n) }) };
  });
  const pass = passThroughData(from, to);
  const fields = [...features.map((f) => f.field), ...pass.fields];
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children: [...features.map((f) => f.data), ...pass.children] }));
}

/** One dictionary type for both row groups' batches (a Table needs equal schemas; the dictionaries differ). */
const CAT_TYPE = new Dictionary(new Utf8(), new Int32());

const PASS = ['i64', 'ts_ms', 'ts_us', 'ts_ns', 'dec', 'day', 'cat', 'note'];

/** Same Arrow type, except the dictionary id (each reader numbers its own dictionaries). */
function sameType(a: DataType, b: DataType): boolean {
  if (DataType.isDictionary(a) && DataType.isDictionary(b)) return util.compareTypes(a.indices, b.indices) && util.compareTypes(a.dictionary, b.dictionary);
  // No zone is spelled undefined by the constructor and null by the IPC reader.
  if (DataType.isTimestamp(a) && DataType.isTimestamp(b)) return a.unit === b.unit && (a.timezone ?? null) === (b.timezone ?? null);
  return util.compareTypes(a, b);
}

/** Exact value of row i: raw bigint units for temporal and int64 columns, unscaled digits for decimals. */
function exact(v: Vector, i: number): unknown {
  if (!v.isValid(i)) return null;
  const type = v.type as DataType;
  if (DataType.isTimestamp(type)) return (v.toArray() as BigInt64Array)[i];
  if (DataType.isDecimal(type)) return String(v.get(i));
  return v.get(i);
}

async function writeParquetFixture(file: string): Promise<Table> {
  const random = seededRandom(11);
  // Two row groups with different dictionaries; the source's batches of 25 rows cross their boundary.
  const batches = [inputBatch(0, 30, random), inputBatch(30, ROWS, random)];
  const table = new Table(batches);
  const props = new pw.WriterPropertiesBuilder().setMaxRowGroupSize(30).build();
  await writeFile(file, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), props));
  return table;
}

async function readParquet(file: string): Promise<Table> {
  const pf = await pw.ParquetFile.fromFile(new Blob([await readFile(file)]));
  return tableFromIPC((await pf.read({})).intoIPCStream());
}

function pipeline(source: Record<string, unknown>, sink: Record<string, unknown>) {
  return validatePipelineValue(
    {
      source,
      stages: [
        { type: 'pca-fit', id: 'm', features: ['f1', 'f2', 'f3'], k: 2, onMissing: 'drop', threshold: { method: 'contamination', value: 0.1 } },
        { type: 'score', model: 'm', onMissing: 'drop' },
        { type: 'threshold', model: 'm' },
        { type: 'encode', model: 'm', onMissing: 'drop' },
      ],
      sink,
    },
    dir,
  );
}

describe('pass-through fidelity (robustness)', () => {
  it('from Parquet, int64 beyond 2^53, decimals, timestamps (ms/us/ns with zone), dates, dictionaries and nulls reach IPC and Parquet sinks with the same type and value', async () => {
    const input = await writeParquetFixture(path.join(dir, 'in.parquet'));
    const source = { type: 'parquet-source', path: 'in.parquet', batchRows: 25 };
    await runPipeline(pipeline(source, { type: 'ipc-sink', path: 'out.arrow' }));
    await runPipeline(pipeline(source, { type: 'parquet-sink', path: 'out.parquet', rowGroupRows: 20 }));
    const outputs = {
      ipc: tableFromIPC(await readFile(path.join(dir, 'out.arrow'))),
      parquet: await readParquet(path.join(dir, 'out.parquet')),
    };
    const kept = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i !== 13);
    for (const [sink, out] of Object.entries(outputs)) {
      expect(out.numRows, sink).toBe(kept.length);
      for (const name of ['score', 'is_anomaly', 'z0', 'z1']) expect(out.getChild(name), `${sink} ${name}`).not.toBeNull();
      for (const name of PASS) {
        const want = input.getChild(name)!;
        const got = out.getChild(name)!;
        const wantType = input.schema.fields.find((f) => f.name === name)!.type;
        const gotType = out.schema.fields.find((f) => f.name === name)!.type;
        expect(sameType(gotType, wantType), `${sink} ${name}: ${JSON.stringify(gotType)} vs ${JSON.stringify(wantType)}`).toBe(true);
        const wantValues = kept.map((i) => exact(want, i));
        const gotValues = kept.map((_, k) => exact(got, k));
        expect(gotValues, `${sink} ${name}`).toEqual(wantValues);
      }
      expect(exact(out.getChild('i64')!, 0)).toBe(BIG);
      expect(out.getChild('i64')!.nullCount, sink).toBeGreaterThan(0);
    }
  });

  it('from Parquet to CSV, timestamps are ISO 8601 with the unit precision, dates YYYY-MM-DD, decimals and int64 exact, dictionaries as values, nulls empty', async () => {
    await writeParquetFixture(path.join(dir, 'in2.parquet'));
    await runPipeline(pipeline({ type: 'parquet-source', path: 'in2.parquet', batchRows: 25 }, { type: 'csv-sink', path: 'out.csv', columns: PASS }));
    const lines = (await readFile(path.join(dir, 'out.csv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(PASS.join(','));
    // Row 0: no nulls.
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(lines[1]).toBe(
      [
        BIG.toString(),
        iso(BASE_MS),
        `${iso(BASE_MS).slice(0, -1)}123Z`,
        `${iso(BASE_MS).slice(0, -1)}456789Z`,
        '-29.95',
        '2026-01-01',
        'cat-0-0',
        '"note 0, ""quoted"""',
      ].join(','),
    );
    // Row 1 is null in every pass-through column (r % m === 1 for each column's m).
    expect(lines[2]).toBe(','.repeat(PASS.length - 1));
    // Row 2.
    expect(lines[3].split(',').slice(0, 6)).toEqual([
      (BIG + 2n).toString(),
      iso(BASE_MS + 2002),
      `${iso(BASE_MS + 2).slice(0, -1)}123Z`,
      `${iso(BASE_MS + 2).slice(0, -1)}456789Z`,
      '-27.95',
      '2026-01-03',
    ]);
  });

  it('from CSV, ids with leading zeros, 20-digit integers, 1.50 and text reach CSV, IPC and Parquet sinks as the exact text read', async () => {
    const header = 'id,big,amount,label,when,f1,f2,f3';
    const body = Array.from({ length: 40 }, (_, r) => {
      const id = String(r + 1).padStart(5, '0');
      const big = `1234567890123456789${r % 10}`;
      const amount = r % 6 === 1 ? '' : `${r}.50`;
      const label = r % 5 === 1 ? 'NA' : `lab ${r}`;
      const when = `2026-01-01T00:00:${String(r % 60).padStart(2, '0')}.000Z`;
      return [id, big, amount, label, when, Math.sin(r).toFixed(3), Math.cos(r).toFixed(3), (r % 3) * 0.5].join(',');
    });
    await writeFile(path.join(dir, 'in.csv'), [header, ...body].join('\n') + '\n');
    const source = { type: 'csv-source', path: 'in.csv' };
    await runPipeline(pipeline(source, { type: 'csv-sink', path: 'pt.csv' }));
    await runPipeline(pipeline(source, { type: 'ipc-sink', path: 'pt.arrow' }));
    await runPipeline(pipeline(source, { type: 'parquet-sink', path: 'pt.parquet' }));
    const want = (c: number) => body.map((line) => line.split(',')[c]);
    const csvOut = (await readFile(path.join(dir, 'pt.csv'), 'utf8')).trimEnd().split('\n');
    const outHeader = csvOut[0].split(',');
    for (const [c, name] of ['id', 'big', 'amount', 'when'].entries()) {
      const at = outHeader.indexOf(name);
      expect(csvOut.slice(1).map((l) => l.split(',')[at]), `csv ${name}`).toEqual(want([0, 1, 2, 4][c]));
    }
    const distinctBig = new Set(csvOut.slice(1).map((l) => l.split(',')[outHeader.indexOf('big')]));
    expect(distinctBig.size).toBe(10);
    for (const [sink, table] of [
      ['ipc', tableFromIPC(await readFile(path.join(dir, 'pt.arrow')))],
      ['parquet', await readParquet(path.join(dir, 'pt.parquet'))],
    ] as const) {
      for (const [name, c] of [
        ['id', 0],
        ['big', 1],
        ['amount', 2],
      ] as const) {
        const field = table.schema.fields.find((f) => f.name === name)!;
        expect(DataType.isUtf8(field.type), `${sink} ${name}`).toBe(true);
        expect(field.metadata.get('latentflow.numeric'), `${sink} ${name}`).toBe('text');
        const got = Array.from({ length: table.numRows }, (_, i) => table.getChild(name)!.get(i) ?? '');
        expect(got, `${sink} ${name}`).toEqual(want(c));
      }
      const labels = Array.from({ length: table.numRows }, (_, i) => table.getChild('label')!.get(i));
      expect(labels.filter((l) => l === null)).toHaveLength(8);
    }
  });
});
