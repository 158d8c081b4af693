import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSource } from '../../src/connectors/csv-source.js';
import type { Source } from '../../src/contract/stage.js';
import { LatentflowError } from '../../src/errors.js';
import { seededRandom } from '../../src/models/random.js';
import { testContext } from '../helpers/context.js';
import { tempDir } from './helpers.js';

/**
 * Unquoted lines after the inference window are parsed in place, float columns straight into typed arrays;
 * everything else (and every file with a quote) goes through split records and `buildColumn`. A quoted
 * header sends the whole file down the second path without changing any record, so reading the same body
 * under both headers must give the same batches, statistics and errors.
 */

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

interface Outcome {
  batches: { schema: string; meta: string; rows: number; columns: { values: unknown[]; nulls: number; type: string }[] }[];
  stats: unknown;
  error?: { code: string; message: string; details: string };
}

/** Everything observable of one read: each batch's schema, metadata and column values (NaN and -0 kept apart), the stats, the error. */
async function read(file: string, params: Record<string, unknown>): Promise<Outcome> {
  const source = csvSource.create(csvSource.params.parse({ path: file, ...params }), testContext()) as Source & { stats: () => unknown };
  const batches: RecordBatch[] = [];
  let error: Outcome['error'];
  try {
    for await (const b of source.batches()) batches.push(b);
  } catch (err) {
    if (!(err instanceof LatentflowError)) throw err;
    error = { code: err.code, message: err.message, details: JSON.stringify(err) };
  } finally {
    await source.close();
  }
  return {
    batches: batches.map((b) => ({
      schema: b.schema.fields.map((f) => `${f.name}:${String(f.type)}:${JSON.stringify([...f.metadata])}`).join('|'),
      meta: JSON.stringify([...b.schema.metadata]),
      rows: b.numRows,
      columns: b.schema.fields.map((f, c) => {
        const column = b.getChildAt(c)!;
        return {
          type: String(f.type),
          nulls: column.nullCount,
          values: Array.from({ length: b.numRows }, (_, i) => {
            const v: unknown = column.get(i);
            return typeof v === 'number' ? (Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v) : v;
          }),
        };
      }),
    })),
    stats: source.stats(),
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * A seeded CSV body: mostly float64-canonical numbers, with nulls, other spellings, long digit runs, and
 * (rarely) bad values, blank lines and wrong field counts; with `quoteAt`, that row's first cell is quoted.
 */
function body(next: () => number, columns: number, rows: number, delimiter: string, rareErrors: boolean, quoteAt = -1): string {
  const pick = <T,>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const cell = (c: number): string => {
    const r = next();
    if (c === columns - 1 && columns > 2 && r < 0.5) return pick(['a', 'b', 'x y', '']); // sometimes a text column
    if (r < 0.75) return String(Math.round((next() - 0.4) * 10 ** Math.floor(next() * 7) * 1000) / 1000);
    if (r < 0.85) return pick(['', 'NA', 'null', ' NA ', '-999', '-0', '0', '0.000001', '123456789012345', '-12.5']);
    if (r < 0.95) return pick(['2.0', '1e3', '+5', ' 5', '1.50', 'nan', '-Infinity', '.5', '5.', '0.0000001', '1234567890123456', '0.12345678901234567']);
    return rareErrors ? pick(['007', 'abc', '12345678901234567891', '1,5']) : '1';
  };
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const e = next();
    if (rareErrors && e < 0.01) lines.push('');
    else if (rareErrors && e < 0.012) lines.push(Array.from({ length: columns + (next() < 0.5 ? 1 : -1) }, (_, c) => cell(c)).join(delimiter));
    else lines.push(Array.from({ length: columns }, (_, c) => (r === quoteAt && c === 0 ? `"${cell(c)}"` : cell(c))).join(delimiter));
  }
  return lines.join(next() < 0.2 ? '\r\n' : '\n') + (next() < 0.8 ? '\n' : '');
}

describe('csv-source in-place parsing of unquoted lines', () => {
  it('gives the batches, respelled counts and errors of the split-record path, on 300 seeded files (some switching to csv-parse past the first chunk)', async () => {
    const next = seededRandom(2026);
    let typedRows = 0;
    for (let k = 0; k < 300; k++) {
      const delimiter = ['  ', ',', ';;', '\t'][Math.floor(next() * 4)].replace('  ', ',');
      const columns = 1 + Math.floor(next() * 5);
      const names = Array.from({ length: columns }, (_, c) => `x${c}`);
      // One file in ten is several read chunks (64 KiB) long, with a quote late in it, after which csv-parse reads.
      const isLong = next() < 0.1;
      const rows = isLong ? 6000 : Math.floor(next() * 200);
      const text = body(next, columns, rows, delimiter, !isLong && next() < 0.5, isLong ? 5000 : -1);
      const params: Record<string, unknown> = {
        delimiter,
        inferRows: 1 + Math.floor(next() * 20),
        batchRows: 1 + Math.floor(next() * 40),
        ...(next() < 0.3 ? { nullValues: next() < 0.5 ? ['-999', ''] : ['NA'] } : {}),
        ...(next() < 0.3 ? { columns: { x0: next() < 0.5 ? 'float32' : 'float64' } } : {}),
      };
      // One path for both, as errors and batch metadata name the file.
      const file = path.join(dir, `body-${k}.csv`);
      await writeFile(file, `${names.join(delimiter)}\n${text}`);
      const fast = await read(file, params);
      await writeFile(file, `"${names[0]}"${names.slice(1).map((n) => `${delimiter}${n}`).join('')}\n${text}`);
      const general = await read(file, params);
      expect(fast, `file ${k}: ${JSON.stringify(params)}`).toEqual(general);
      typedRows += fast.batches.reduce((n, b) => n + b.rows, 0);
    }
    // The files reach past the inference window, so the in-place path did the reading.
    expect(typedRows).toBeGreaterThan(10_000);
  });

  it('reads a float column whose null text is itself a number (-999) as null there, on both paths', async () => {
    const file = path.join(dir, 'sentinel.csv');
    await writeFile(file, `a,b\n${Array.from({ length: 30 }, (_, i) => (i % 7 === 3 ? '-999,1.5' : `${i}.25,-999`)).join('\n')}\n`);
    const { batches } = await read(file, { nullValues: ['-999'], inferRows: 2 });
    const a = batches.flatMap((b) => b.columns[0].values);
    const b = batches.flatMap((b) => b.columns[1].values);
    expect(a.filter((v) => v === null)).toHaveLength(4);
    expect(b.filter((v) => v === null)).toHaveLength(26);
    expect(a[4]).toBe(4.25);
  });
});
