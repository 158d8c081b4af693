import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/runtime/backend.js';
import type { StageContext } from '../../src/contract/stage.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { encode } from '../../src/stages/encode.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

let dir: string;
beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lf-encode-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Fits `def` on `train` under the id `m` (saved to `saveTo`) and returns the context that holds it. */
async function fitted(def: typeof pcaFit | typeof autoencoderFit, params: Record<string, unknown>, train: RecordBatch[]): Promise<StageContext> {
  const ctx = testContext({ stageId: 'm', baseDir: dir });
  const fit = def.create(def.params.parse({ exclude: ['outlier'], ...params }) as never, ctx);
  await collect(fit.transform(fromArray(train)));
  return ctx;
}

/** Runs encode over `batches` with the model `model` of `ctx`. */
async function encoded(ctx: StageContext, batches: RecordBatch[], params: Record<string, unknown> = {}) {
  const stage = encode.create(encode.params.parse({ model: 'm', ...params }), { ...ctx, stageId: 'encode' });
  try {
    return { out: await collect(stage.transform(fromArray(batches))), stats: stage.stats?.() };
  } finally {
    await stage.close();
  }
}

const codes = (out: RecordBatch[], names: string[]) => names.map((n) => out.flatMap((b) => numbers(b, n)));

describe('encode stage', () => {
  const train = planeWithOutliers(600, 0, 8);
  const rows = planeWithOutliers(300, 10, 9, 300);

  it('appends the code z0..z{k-1} after every input column, which leave unchanged; codeSize in the stats', async () => {
    const ctx = await fitted(pcaFit, { k: 2 }, train);
    const { out, stats } = await encoded(ctx, rows);
    expect(out[0].schema.fields.map((f) => f.name)).toEqual([...rows[0].schema.fields.map((f) => f.name), 'z0', 'z1']);
    expect(out[0].getChild('id')!.toArray()).toEqual(rows[0].getChild('id')!.toArray());
    expect(numbers(out[0], 'f3')).toEqual(numbers(rows[0], 'f3'));
    expect(stats).toMatchObject({ codeSize: 2 });
  });

  it('gives a row the same code whatever batch it arrives in', async () => {
    const ctx = await fitted(pcaFit, { k: 2 }, train);
    const whole = codes((await encoded(ctx, rows)).out, ['z0', 'z1']);
    const split = planeWithOutliers(300, 10, 9, 70);
    expect(codes((await encoded(ctx, split)).out, ['z0', 'z1'])).toEqual(whole);
  });

  it('an autoencoder gives codeSize columns named by prefix, the same from the pipeline model and from its saved directory', async () => {
    const ctx = await fitted(autoencoderFit, { model: { codeSize: 3, epochs: 3 }, saveTo: 'ae' }, train);
    const names = ['c0', 'c1', 'c2'];
    const { out, stats } = await encoded(ctx, rows, { prefix: 'c' });
    expect(out[0].schema.fields.map((f) => f.name).slice(-3)).toEqual(names);
    expect(stats).toMatchObject({ codeSize: 3 });
    const fromDir = await encoded(testContext({ stageId: 'encode', baseDir: dir }), rows, { model: 'ae', prefix: 'c' });
    expect(codes(fromDir.out, names)).toEqual(codes(out, names));
  });
});
