import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, readManifest, saveDetector } from '../../src/artifact/model-dir.js';
import { ArtifactError } from '../../src/errors.js';
import { extractFeatures } from '../../src/io/features.js';
import type { Detector } from '../../src/models/detector.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const batches = planeWithOutliers(300, 6, 5, 150);
let dir: string;

async function fitted(seed: number): Promise<Detector> {
  const ctx = testContext({ stageId: 'm', seed });
  const params = autoencoderFit.params.parse({ exclude: ['outlier'], model: { epochs: 2 }, threshold: { method: 'mad', k: 3 } });
  await collect(autoencoderFit.create(params as never, ctx).transform(fromArray(batches)));
  return ctx.models.get<Detector>('m');
}

function scores(d: Detector): number[] {
  return Array.from(d.score(extractFeatures(batches[1], 1, d.features, 'error').matrix));
}

/** Every file under `root` (relative path -> bytes), for byte-exact before/after comparisons. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const full = path.join(d, name);
      if ((await stat(full)).isDirectory()) await walk(full);
      else out.set(path.relative(root, full), (await readFile(full)).toString('base64'));
    }
  };
  await walk(root);
  return out;
}

/** The layout saveDetector wrote before versioned directories: manifest and network files side by side. */
async function writeOldLayout(target: string, detector: Detector): Promise<void> {
  const staging = `${target}-staging`;
  await saveDetector(staging, detector);
  const manifest = JSON.parse(await readFile(path.join(staging, 'latentflow.json'), 'utf8'));
  if (manifest.versionDir === undefined) return rename(staging, target); // saved by a flat-layout latentflow
  await mkdir(target);
  for (const f of ['model.json', 'weights.bin']) await rename(path.join(staging, manifest.versionDir, f), path.join(target, f));
  delete manifest.versionDir;
  await writeFile(path.join(target, 'latentflow.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(staging, { recursive: true });
}

/**
 * A separate process that loads the model in a tight loop until `stop` exists: each round reads the
 * manifest 20 times (cheap, so the loop is tight) and loads the whole model once. It prints one JSON line:
 * rounds, failures, the first errors, and the distinct model fingerprints it loaded.
 */
const READER = `
import { existsSync } from 'node:fs';
import { loadDetector, readManifest } from ${JSON.stringify(path.join(ROOT, 'src/artifact/model-dir.ts'))};
import { selectBackend } from ${JSON.stringify(path.join(ROOT, 'src/runtime/backend.ts'))};
const [dir, stop] = process.argv.slice(2);
await selectBackend('cpu');
let loads = 0, reads = 0, failures = 0;
const errors = [];
const seen = new Set();
let announced = false;
while (!existsSync(stop)) {
  try {
    for (let i = 0; i < 20; i++) { await readManifest(dir); reads++; }
    const d = await loadDetector(dir);
    seen.add(d.training.createdAt + ':' + d.training.seed);
    d.dispose();
    loads++;
    if (!announced) { announced = true; process.stderr.write('ready\\n'); }
  } catch (e) {
    failures++;
    if (errors.length < 5) errors.push(String(e && e.message));
  }
}
process.stdout.write(JSON.stringify({ loads, reads, failures, errors, models: seen.size }) + '\\n');
`;

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-swap-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model replacement', () => {
  it('a reader loading in a tight loop in another process sees a whole, loadable model every time while the directory is re-saved 20 times (starting from an old-layout directory)', async () => {
    const models = [await fitted(1), await fitted(2), await fitted(3)];
    const target = path.join(dir, 'live');
    await writeOldLayout(target, models[0]);
    const script = path.join(dir, 'reader.mts');
    await writeFile(script, READER);
    const stop = path.join(dir, 'stop');
    const child = spawn(process.execPath, ['--import', 'tsx', script, target, stop], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('ready')) resolve();
      });
      child.on('close', () => reject(new Error(`reader exited early: ${stderr}`)));
    });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await ready;
    for (let i = 0; i < 20; i++) {
      await saveDetector(target, models[(i + 1) % 3]);
      // Let the reader get through a few loads of this version before the next save.
      await new Promise((r) => setTimeout(r, 30));
    }
    await writeFile(stop, '');
    await exited;
    const result = JSON.parse(stdout) as { loads: number; reads: number; failures: number; errors: string[]; models: number };
    expect(result.errors).toEqual([]);
    expect(result.failures).toBe(0);
    // The reader really ran during the saves: it loaded several of the versions written.
    expect(result.models).toBeGreaterThanOrEqual(3);
    // The old layout's flat files are pruned once they are older than the kept versions; at most 3 versions remain.
    const names = (await readdir(target)).sort();
    expect(names).toEqual(['latentflow.json', 'v-18', 'v-19', 'v-20']);
    expect((await readManifest(target)).versionDir).toBe('v-20');
    models.forEach((m) => m.dispose());
  });

  it('an old-layout model directory loads, and the first save over it keeps its files until the new manifest is in place', async () => {
    const original = await fitted(6);
    const target = path.join(dir, 'old');
    await writeOldLayout(target, original);
    const old = await loadDetector(target);
    expect(scores(old)).toEqual(scores(original));
    await saveDetector(target, original);
    // Flat files stay as the previous version for readers that read the old manifest a moment ago.
    expect((await readdir(target)).sort()).toEqual(['latentflow.json', 'model.json', 'v-1', 'weights.bin']);
    const reloaded = await loadDetector(target);
    expect(scores(reloaded)).toEqual(scores(original));
    [original, old, reloaded].forEach((d) => d.dispose());
  });

  it('a failed model save leaves the old model intact: every file byte-identical and the same scores', async () => {
    const first = await fitted(4);
    const target = path.join(dir, 'intact');
    await saveDetector(target, first);
    await saveDetector(target, first);
    const before = await snapshot(target);
    const expected = scores(first);
    // The second model's network files are written, then its serialisation throws: the save fails midway.
    const second = await fitted(5);
    Object.defineProperty(second.model, 'toJSON', {
      value: () => {
        throw new Error('serialisation failed');
      },
    });
    await expect(saveDetector(target, second)).rejects.toThrow(ArtifactError);
    expect(await snapshot(target)).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.startsWith('intact'))).toEqual(['intact']);
    const loaded = await loadDetector(target);
    expect(scores(loaded)).toEqual(expected);
    [first, second, loaded].forEach((d) => d.dispose());
  });
});
