import { execFileSync, spawn } from 'node:child_process';
import { link, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import { PathError } from '../../src/errors.js';
import { writeAtomically } from '../../src/io/atomic-file.js';
import { seededRandom } from '../../src/models/random.js';
import { buildCli, latentflow, type CliResult } from '../helpers/cli.js';

/**
 * Hostile-path suite: every way a run could destroy or alter data at a path it was given (a model path
 * that is a user's folder or the input, an output that is the input or a special file, leftovers of killed
 * runs) and `-` for stdin/stdout. Each case names the reported failure it guards against.
 */

let root: string;

/** `rows` seeded rows: a text id and three correlated numeric columns. */
function csv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const lines = ['id,a,b,c'];
  for (let r = 0; r < rows; r++) {
    const x = random() * 4 - 2;
    const y = random() * 4 - 2;
    lines.push(`r${r},${(x + 0.05 * random()).toFixed(5)},${(y - x).toFixed(5)},${(2 * y + 0.1 * random()).toFixed(5)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every entry under `dir` (relative path -> bytes, or `-> target` for symlinks, `/` for folders). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const full = path.join(d, name);
      const rel = path.relative(dir, full);
      const st = await lstat(full);
      if (st.isSymbolicLink()) out[rel] = `-> ${await readlink(full)}`;
      else if (st.isDirectory()) {
        out[`${rel}/`] = '';
        await walk(full);
      } else if (st.isFile()) out[rel] = (await readFile(full)).toString('base64');
      else out[rel] = 'special';
    }
  };
  await walk(dir);
  return out;
}

/** A fresh folder under the suite's temp root. */
async function fresh(name: string): Promise<string> {
  const d = path.join(root, name);
  await mkdir(d, { recursive: true });
  return d;
}

/** Runs the CLI with `input` on its stdin. */
function latentflowWithStdin(args: string[], cwd: string, input: string): Promise<CliResult> {
  return latentflow(args, cwd, {}, input);
}

/** The pid of a process that has exited (so `kill(pid, 0)` fails with ESRCH). */
function deadPid(): number {
  const pid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  return pid;
}

const TRAIN = csv(300, 1);
const NEW = csv(80, 2);
let modelDir: string;

beforeAll(async () => {
  buildCli();
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-paths-'));
  const base = await fresh('base');
  await writeFile(path.join(base, 'train.csv'), TRAIN);
  modelDir = path.join(base, 'model');
  const r = await latentflow(['fit', '-t', 'pca', '--k', '2', '-i', 'train.csv', '-m', 'model'], base);
  expect(r.stderr).not.toMatch(/"level":50/);
  expect(r.code).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('model paths: only a model directory latentflow wrote is ever replaced', () => {
  it('fit -i precious/train.csv -m precious exits 1 (E_PATH) and leaves every file in the folder byte-identical', async () => {
    const precious = await fresh('precious');
    await writeFile(path.join(precious, 'train.csv'), TRAIN);
    await writeFile(path.join(precious, 'notes.txt'), 'do not lose me\n');
    const before = await snapshot(precious);
    const r = await latentflow(['fit', '-t', 'pca', '-i', 'precious/train.csv', '-m', 'precious'], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_PATH/);
    expect(await snapshot(precious)).toEqual(before);
  });

  it('-m equal to the input file exits 1 and the input is unchanged', async () => {
    const d = await fresh('same-as-input');
    await writeFile(path.join(d, 'train.csv'), TRAIN);
    const r = await latentflow(['fit', '-t', 'pca', '-i', 'train.csv', '-m', 'train.csv'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_PATH/);
    expect(await readFile(path.join(d, 'train.csv'), 'utf8')).toBe(TRAIN);
    expect(await readdir(d)).toEqual(['train.csv']);
  });

  it('a pipeline with saveTo: .. (or .) is refused before the fit; the folder holding the pipeline and its data is unchanged', async () => {
    const parent = await fresh('pipeline-parent');
    const project = path.join(parent, 'project');
    await mkdir(project);
    await writeFile(path.join(project, 'train.csv'), TRAIN);
    for (const saveTo of ['..', '.']) {
      await writeFile(
        path.join(project, 'fit.yaml'),
        `name: fit\nsource: { type: csv-source, path: train.csv }\nstages:\n  - { type: pca-fit, id: m, k: 2, saveTo: "${saveTo}" }\nsink: { type: null-sink }\n`,
      );
      const before = await snapshot(parent);
      const r = await latentflow(['run', 'project/fit.yaml'], parent);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_PATH/);
      expect(await snapshot(parent)).toEqual(before);
    }
  });

  it('a file, a folder with other content, or a model directory with an extra user file is refused at save time (PathError) and not touched; an empty folder is used', async () => {
    const detector = await loadDetector(modelDir);
    const d = await fresh('save-targets');
    const file = path.join(d, 'a-file');
    await writeFile(file, 'user data');
    const folder = path.join(d, 'folder');
    await mkdir(folder);
    await writeFile(path.join(folder, 'data.csv'), TRAIN);
    const extra = path.join(d, 'model-plus');
    await saveDetector(extra, detector);
    await writeFile(path.join(extra, 'my-notes.md'), 'mine');
    const tfjs = path.join(d, 'someone-elses-tfjs-model');
    await mkdir(tfjs);
    await writeFile(path.join(tfjs, 'model.json'), '{}');
    await writeFile(path.join(tfjs, 'weights.bin'), 'x');
    const before = await snapshot(d);
    for (const target of [file, folder, extra, tfjs]) {
      await expect(saveDetector(target, detector)).rejects.toThrow(PathError);
    }
    expect(await snapshot(d)).toEqual(before);
    const empty = path.join(d, 'empty');
    await mkdir(empty);
    await saveDetector(empty, detector);
    expect((await loadDetector(empty)).kind).toBe('pca');
    detector.dispose();
  });
});

describe('output paths: never renamed over a special file; `-` is stdin/stdout; an output is never the input', () => {
  it('an output symlink to a FIFO (like /dev/stdout) is written through: the link stays a link and the reader gets the rows', async () => {
    const d = await fresh('fifo');
    await writeFile(path.join(d, 'new.csv'), NEW);
    execFileSync('mkfifo', [path.join(d, 'pipe')]);
    await symlink('pipe', path.join(d, 'out-link'));
    for (const out of ['out-link', 'pipe']) {
      const reader = spawn('cat', [path.join(d, 'pipe')], { stdio: ['ignore', 'pipe', 'ignore'] });
      let received = '';
      reader.stdout.on('data', (b: Buffer) => (received += b.toString()));
      const readerDone = new Promise<void>((resolve) => reader.on('close', () => resolve()));
      const r = await latentflow(['score', '-i', 'new.csv', '-m', modelDir, '-o', out, '--output-format', 'csv'], d);
      // Unblock a reader the run never opened the FIFO for (the old code renamed a temp file over it).
      const timer = setTimeout(() => reader.kill(), 5000);
      await readerDone;
      clearTimeout(timer);
      expect(r.code).toBe(0);
      expect((await lstat(path.join(d, 'out-link'))).isSymbolicLink()).toBe(true);
      expect((await lstat(path.join(d, 'pipe'))).isFIFO()).toBe(true);
      expect(received.split('\n')[0]).toBe('id,a,b,c,score,is_anomaly');
      expect(received.trim().split('\n')).toHaveLength(81);
    }
    expect((await readdir(d)).sort()).toEqual(['new.csv', 'out-link', 'pipe']);
  });

  it('an output symlink to /proc/self/fd/1 writes to stdout, keeps the link, and the summary goes to stderr', async () => {
    const d = await fresh('stdout-link');
    await writeFile(path.join(d, 'new.csv'), NEW);
    await symlink('/proc/self/fd/1', path.join(d, 'stdout'));
    const r = await latentflow(['score', '-i', 'new.csv', '-m', modelDir, '-o', 'stdout', '--output-format', 'csv'], d);
    expect(r.code).toBe(0);
    expect((await lstat(path.join(d, 'stdout'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(d, 'stdout'))).toBe('/proc/self/fd/1');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,a,b,c,score,is_anomaly');
    expect(lines).toHaveLength(81);
    expect(r.stderr).toMatch(/score: 80 rows/);
  });

  it('an output symlink to a regular file keeps the link; the file it points to gets the new content atomically', async () => {
    const d = await fresh('file-link');
    await writeFile(path.join(d, 'real.txt'), 'old');
    await symlink('real.txt', path.join(d, 'link.txt'));
    await writeAtomically(path.join(d, 'link.txt'), 'test', (f) => f.write('new'));
    expect(await readlink(path.join(d, 'link.txt'))).toBe('real.txt');
    expect(await readFile(path.join(d, 'real.txt'), 'utf8')).toBe('new');
    expect((await readdir(d)).sort()).toEqual(['link.txt', 'real.txt']);
  });

  it('score -i - -o - reads stdin and writes only the rows to stdout (summary on stderr); encode and fit read stdin too', async () => {
    const d = await fresh('stdio');
    const r = await latentflowWithStdin(['score', '-i', '-', '-o', '-', '-m', modelDir, '--format', 'csv', '--output-format', 'csv'], d, NEW);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,a,b,c,score,is_anomaly');
    expect(lines).toHaveLength(81);
    // Rows arrive in input order, so they join back to the input by id.
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(NEW.trim().split('\n').slice(1).map((l) => l.split(',')[0]));
    expect(r.stderr).toMatch(/score: 80 rows/);

    const e = await latentflowWithStdin(['encode', '-i', '-', '-o', '-', '-m', modelDir, '--format', 'csv', '--output-format', 'csv'], d, NEW);
    expect(e.code).toBe(0);
    expect(e.stdout.split('\n')[0]).toBe('id,a,b,c,z0,z1');

    const f = await latentflowWithStdin(['fit', '-t', 'pca', '--k', '2', '-i', '-', '--format', 'csv', '-m', 'from-stdin'], d, TRAIN);
    expect(f.code).toBe(0);
    expect((await loadDetector(path.join(d, 'from-stdin'))).training.rows).toBe(300);
  });

  it('- without --format / --output-format exits 2 with one line naming the option', async () => {
    const d = await fresh('stdio-format');
    const a = await latentflowWithStdin(['score', '-i', '-', '-o', 'out.csv', '-m', modelDir], d, NEW);
    expect(a.code).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/--format/);
    const b = await latentflowWithStdin(['score', '-i', '-', '--format', 'csv', '-o', '-', '-m', modelDir], d, NEW);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--output-format/);
    expect(await readdir(d)).toEqual([]);
  });

  it('an output equal to the input (same path, a symlink or a hard link to it) is refused before anything is written', async () => {
    const d = await fresh('same-output');
    await writeFile(path.join(d, 'new.csv'), NEW);
    await symlink('new.csv', path.join(d, 'alias.csv'));
    await link(path.join(d, 'new.csv'), path.join(d, 'hard.csv'));
    const before = await snapshot(d);
    for (const out of ['new.csv', 'alias.csv', 'hard.csv', './new.csv']) {
      const r = await latentflow(['score', '-i', 'new.csv', '-m', modelDir, '-o', out], d);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_PATH/);
    }
    expect(await snapshot(d)).toEqual(before);
  });

  it('an output inside the model directory (read or written) is refused and the model directory is unchanged', async () => {
    const d = await fresh('output-in-model');
    await writeFile(path.join(d, 'train.csv'), TRAIN);
    const before = await snapshot(path.dirname(modelDir));
    const r = await latentflow(['score', '-i', 'train.csv', '-m', modelDir, '-o', path.join(modelDir, 'scored.csv')], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_PATH/);
    expect(await snapshot(path.dirname(modelDir))).toEqual(before);
    const f = await latentflow(['fit', '-t', 'pca', '-i', 'train.csv', '-m', 'm', '-o', 'm/scored.csv'], d);
    expect(f.code).toBe(1);
    expect(await readdir(d)).toEqual(['train.csv']);
  });
});

describe('leftovers of killed runs', () => {
  it('the next write to a file removes its temp files whose pid is dead, and nothing else', async () => {
    const d = await fresh('stale-file');
    const dead = deadPid();
    const names = {
      stale: `out.csv.tmp-${dead}-0a1b2c3d`,
      alive: `out.csv.tmp-${process.ppid}-0a1b2c3d`,
      shortHex: `out.csv.tmp-${dead}-0a1b2c3`,
      suffixed: `out.csv.tmp-${dead}-0a1b2c3d.bak`,
      otherFile: `other.csv.tmp-${dead}-0a1b2c3d`,
      userNote: 'out.csv.tmp-notes',
    };
    for (const n of Object.values(names)) await writeFile(path.join(d, n), 'x');
    await writeAtomically(path.join(d, 'out.csv'), 'test', (f) => f.write('a\n1\n'));
    const expected = ['out.csv', ...Object.values(names).filter((n) => n !== names.stale)].sort();
    expect((await readdir(d)).sort()).toEqual(expected);
  });

  it('the next save of a model removes its stale temp files and directories (dead pids, our exact names) and keeps a user file with a similar name', async () => {
    const d = await fresh('stale-model');
    const target = path.join(d, 'model');
    const detector = await loadDetector(modelDir);
    await saveDetector(target, detector);
    const dead = deadPid();
    // Inside the model directory: a manifest temp file and a half-built version directory.
    await writeFile(path.join(target, `latentflow.json.tmp-${dead}-00112233`), '{');
    await mkdir(path.join(target, `v.tmp-${dead}-00112233`));
    await writeFile(path.join(target, `v.tmp-${dead}-00112233`, 'weights.bin'), 'x');
    // Beside it: the copies older latentflow versions made while swapping whole directories.
    for (const kind of ['tmp', 'old']) {
      const copy = path.join(d, `model.${kind}-${dead}-44556677`);
      await mkdir(copy);
      await writeFile(path.join(copy, 'latentflow.json'), JSON.stringify({ format: 'latentflow-model' }));
    }
    await writeFile(path.join(d, `model.tmp-${dead}-4455667`), 'a user file, not our pattern');
    await mkdir(path.join(d, `model.tmp-${dead}-8899aabb`));
    await writeFile(path.join(d, `model.tmp-${dead}-8899aabb`, 'thesis.tex'), 'not a model');
    await saveDetector(target, detector);
    // A PCA model has no network files, so no version directory: the manifest is the whole model.
    expect(await readdir(target)).toEqual(['latentflow.json']);
    expect((await readdir(d)).sort()).toEqual(['model', `model.tmp-${dead}-4455667`, `model.tmp-${dead}-8899aabb`]);
    expect(await readFile(path.join(d, `model.tmp-${dead}-8899aabb`, 'thesis.tex'), 'utf8')).toBe('not a model');
    expect((await stat(path.join(target, 'latentflow.json'))).isFile()).toBe(true);
    detector.dispose();
  });
});
