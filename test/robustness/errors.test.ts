import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveDetector } from '../../src/artifact/model-dir.js';
import { checkModelRefs } from '../../src/cli/model-refs.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { DataError, SpecError } from '../../src/errors.js';
import type { Detector } from '../../src/models/detector.js';
import { loadPipelineFile, loadYamlValue, parsePipelines, YAML_LIMITS } from '../../src/pipeline/spec.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

/**
 * Hostile-input suite, errors as documented: resource-exhausting YAML, `model:` references that do not
 * resolve, and truncated or random Arrow / Parquet files each give a typed error that names the file (and
 * the position: line:column, record batch or row group), never an internal message or a raw stack.
 */

let dir: string;

/** A "billion laughs" document: 9 levels of 9 aliases each expand to 9^9 strings. */
function aliasBomb(): string {
  let text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
  for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
  return text;
}

const PIPELINE_TAIL = 'source: { type: csv-source, path: x.csv }\nsink: { type: null-sink }\n';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-errors-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('YAML resource limits are SpecErrors naming the file', () => {
  it('an alias bomb in a pipeline file', async () => {
    const file = path.join(dir, 'bomb.yaml');
    await writeFile(file, aliasBomb() + PIPELINE_TAIL);
    const error = await loadPipelineFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).file).toBe(file);
    expect((error as Error).message).toMatch(/aliases expand/);
  });

  it('an alias bomb in inline text and in a --config file', async () => {
    expect(() => parsePipelines(aliasBomb() + PIPELINE_TAIL, 'inline.yaml')).toThrow(SpecError);
    const file = path.join(dir, 'config-bomb.yaml');
    await writeFile(file, aliasBomb());
    await expect(loadYamlValue(file)).rejects.toMatchObject({ code: 'E_SPEC', file });
  });

  it('a YAML file over the size limit', async () => {
    const file = path.join(dir, 'huge.yaml');
    await writeFile(file, `# ${'x'.repeat(YAML_LIMITS.maxBytes)}\n${PIPELINE_TAIL}`);
    const error = await loadPipelineFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).toMatch(/over the .*-byte limit/);
  });

  it('very deep nesting is a positioned YAML syntax SpecError', () => {
    const deep = `name: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n${PIPELINE_TAIL}`;
    expect(() => parsePipelines(deep, 'deep.yaml')).toThrow(/deep\.yaml:\d+:\d+/);
  });

  it('a few ordinary aliases still work', () => {
    const specs = parsePipelines('source: &p { type: csv-source, path: x.csv }\nstages: []\nsink: { type: null-sink }\n', 'ok.yaml');
    expect(specs[0].source.params.path).toBe('x.csv');
  });
});

describe('validate: every model: reference resolves', () => {
  let modelDir: string;

  beforeAll(async () => {
    await selectBackend();
    const ctx = testContext({ stageId: 'm' });
    const batch = tableFromArrays({ a: Float64Array.from({ length: 50 }, (_, i) => Math.sin(i)), b: Float64Array.from({ length: 50 }, (_, i) => Math.cos(i * 0.4)) }).batches[0];
    await collect(pcaFit.create(pcaFit.params.parse({ k: 1 }) as never, ctx).transform(fromArray([batch])));
    modelDir = path.join(dir, 'saved-model');
    await saveDetector(modelDir, await ctx.models.get<Detector>('m'));
  });

  const specsOf = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return { file, specs: await loadPipelineFile(file) };
  };

  it('an unknown model id is a SpecError at the model key, file:line:column', async () => {
    const { file, specs } = await specsOf('unknown-id.yaml', 'source:\n  type: csv-source\n  path: x.csv\nstages:\n  - type: score\n    model: nope\nsink:\n  type: null-sink\n');
    const error = await checkModelRefs(specs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toContain(`${file}:6:5`);
    expect((error as SpecError).message).toMatch(/model "nope" is neither a fit stage id/);
  });

  it('a fit stage id used before the fit stage is an error; used after it is fine', async () => {
    const before = await specsOf(
      'order.yaml',
      'source: { type: csv-source, path: x.csv }\nstages:\n  - type: score\n    model: fit1\n  - type: pca-fit\n    id: fit1\nsink: { type: null-sink }\n',
    );
    await expect(checkModelRefs(before.specs)).rejects.toThrow(/comes after this stage/);
    const after = await specsOf(
      'order-ok.yaml',
      'source: { type: csv-source, path: x.csv }\nstages:\n  - type: pca-fit\n    id: fit1\n  - type: score\n    model: fit1\nsink: { type: report-sink, path: r.html, model: fit1 }\n',
    );
    await expect(checkModelRefs(after.specs)).resolves.toBeUndefined();
  });

  it('an existing model directory resolves; a directory an earlier document saves to resolves', async () => {
    const ok = await specsOf('dir.yaml', `source: { type: csv-source, path: x.csv }\nstages:\n  - type: score\n    model: ${modelDir}\nsink: { type: null-sink }\n`);
    await expect(checkModelRefs(ok.specs)).resolves.toBeUndefined();
    const later = await specsOf(
      'two-docs.yaml',
      'source: { type: csv-source, path: x.csv }\nstages:\n  - type: pca-fit\n    saveTo: out/new-model\nsink: { type: null-sink }\n---\nsource: { type: csv-source, path: x.csv }\nstages:\n  - type: score\n    model: out/new-model\nsink: { type: null-sink }\n',
    );
    await expect(checkModelRefs(later.specs)).resolves.toBeUndefined();
  });

  it('a fit id from an earlier document does not resolve (ids are local to a document)', async () => {
    const { specs } = await specsOf(
      'cross-doc.yaml',
      'source: { type: csv-source, path: x.csv }\nstages:\n  - type: pca-fit\n    id: fit1\nsink: { type: null-sink }\n---\nsource: { type: csv-source, path: x.csv }\nstages:\n  - type: score\n    model: fit1\nsink: { type: null-sink }\n',
    );
    await expect(checkModelRefs(specs)).rejects.toThrow(/cross-doc\.yaml:10:5: .*ids are local to one YAML document/);
  });

  it('a damaged model directory is a SpecError naming the bad manifest field', async () => {
    const bad = path.join(dir, 'bad-model');
    await cp(modelDir, bad, { recursive: true });
    const manifestFile = (await readdir(bad, { recursive: true })).find((f) => path.basename(f) === 'latentflow.json');
    const file = path.join(bad, manifestFile as string);
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.features = ['a', 'a'];
    await writeFile(file, JSON.stringify(manifest));
    const { specs } = await specsOf('bad-dir.yaml', `source: { type: csv-source, path: x.csv }\nstages:\n  - type: score\n    model: ${bad}\nsink: { type: null-sink }\n`);
    await expect(checkModelRefs(specs)).rejects.toThrow(/bad-dir\.yaml:4:\d+.*features lists "a" twice/);
  });
});

describe('truncated and random Arrow / Parquet files are typed DataErrors naming the file and position', () => {
  const table = () => {
    const n = 3000;
    const t = tableFromArrays({ a: Float64Array.from({ length: n }, (_, i) => Math.sin(i)), b: Float64Array.from({ length: n }, (_, i) => i) });
    return new Table([0, 1000, 2000].map((s) => t.slice(s, s + 1000).batches[0]));
  };

  const read = async (def: typeof ipcSource | typeof parquetSource, file: string) => {
    const source = def.create(def.params.parse({ path: file }) as never, testContext());
    try {
      return await collect(source.batches());
    } finally {
      await source.close();
    }
  };

  const failure = async (def: typeof ipcSource | typeof parquetSource, file: string): Promise<DataError> => {
    const error = await read(def, file).then(() => undefined, (e: unknown) => e);
    expect(error, `reading ${file} must fail`).toBeInstanceOf(DataError);
    expect((error as DataError).file).toBe(file);
    expect((error as Error).message).not.toMatch(/typed array length/);
    return error as DataError;
  };

  it('an IPC file cut in half: E_TRUNCATED, says it does not end with the footer', async () => {
    const bytes = tableToIPC(table(), 'file');
    const file = path.join(dir, 'cut.arrow');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await failure(ipcSource, file);
    expect(error.code).toBe('E_TRUNCATED');
    expect(error.message).toMatch(/truncated/);
  });

  it('an IPC stream cut in half: E_TRUNCATED at record batch 1, after 1000 rows', async () => {
    const bytes = tableToIPC(table(), 'stream');
    const file = path.join(dir, 'cut.arrows');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await failure(ipcSource, file);
    expect(error.code).toBe('E_TRUNCATED');
    expect(error.batch).toBe(1);
    expect(error.message).toMatch(/record batch 1 \(1000 rows/);
  });

  it('a Parquet file cut in half or missing its last bytes: E_TRUNCATED', async () => {
    const bytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table(), 'stream')));
    for (const [name, end] of [['cut.parquet', Math.floor(bytes.length / 2)], ['cuttail.parquet', bytes.length - 3]] as const) {
      const file = path.join(dir, name);
      await writeFile(file, bytes.subarray(0, end));
      const error = await failure(parquetSource, file);
      expect(error.code).toBe('E_TRUNCATED');
      expect(error.message).toMatch(/Parquet file is truncated/);
    }
  });

  it('random bytes with a valid extension', async () => {
    for (const name of ['rand.arrow', 'rand.arrows']) {
      const file = path.join(dir, name);
      await writeFile(file, randomBytes(4000));
      expect((await failure(ipcSource, file)).message).toMatch(/not a readable Arrow IPC/);
    }
    const pq = path.join(dir, 'rand.parquet');
    await writeFile(pq, randomBytes(4000));
    expect((await failure(parquetSource, pq)).message).toMatch(/not a Parquet file/);
    const magic = path.join(dir, 'magic.arrow');
    await writeFile(magic, Buffer.concat([Buffer.from('ARROW1\0\0'), randomBytes(3000)]));
    expect((await failure(ipcSource, magic)).code).toBe('E_TRUNCATED');
  });

  it('a Parquet file with damaged data pages ends in all its rows or a DataError, never a crash or a hang', async () => {
    const bytes = Buffer.from(pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table(), 'stream'))));
    // The data pages lie between the leading PAR1 and the footer (its length sits before the closing PAR1).
    const dataEnd = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const outcomes = { rows: 0, errors: 0 };
    for (let copy = 0; copy < 12; copy++) {
      const damaged = Buffer.from(bytes);
      const at = 4 + Math.floor(next() * (dataEnd - 36));
      for (let i = 0; i < 32; i++) damaged[at + i] = Math.floor(next() * 256);
      const file = path.join(dir, `pages-${copy}.parquet`);
      await writeFile(file, damaged);
      const result = await read(parquetSource, file).then(
        (batches) => batches.reduce((n, b) => n + b.numRows, 0),
        (e: unknown) => e,
      );
      if (typeof result === 'number') {
        expect(result, `${file} read without an error must give every row`).toBe(3000);
        outcomes.rows++;
      } else {
        expect(result, `${file}: ${String(result)}`).toBeInstanceOf(DataError);
        expect((result as DataError).file).toBe(file);
        outcomes.errors++;
      }
    }
    // The damage must reach the decoder at least once, or this test shows nothing.
    expect(outcomes.errors).toBeGreaterThan(0);
  });

  it('the intact files read (control)', async () => {
    const file = path.join(dir, 'full.arrow');
    await writeFile(file, tableToIPC(table(), 'file'));
    expect((await read(ipcSource, file)).reduce((n, b) => n + b.numRows, 0)).toBe(3000);
  });
});
