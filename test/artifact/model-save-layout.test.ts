import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_PREVIOUS, holdsOnlyModelEntries, inspectModelDir, isVersionDirectory, versionNumber } from '../../src/artifact/model-layout.js';
import { writeModelVersion, type ModelVersionWriter } from '../../src/artifact/model-save.js';
import { PathError } from '../../src/errors.js';

/**
 * The versioned model layout and the save's steps, with a writer that writes small known files (no
 * training): version numbering, pruning to the previous KEEP_PREVIOUS, a failed save leaving the previous
 * model byte for byte, leftovers of killed saves removed (and nothing else), and every kind of foreign
 * content at the model path refused untouched.
 */

let root: string;
let n = 0;
const fresh = async (name: string): Promise<string> => {
  const d = path.join(root, `${name}-${n++}`);
  return d;
};

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-layout-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function deadPid(): number {
  const pid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  return pid;
}

/** A writer whose network files and manifest say which save wrote them; records the version dir it was given. */
function writer(tag: string, seen: (string | undefined)[] = [], hasNetwork = true): ModelVersionWriter {
  return {
    writeNetwork: hasNetwork
      ? async (dir) => {
          await writeFile(path.join(dir, 'model.json'), `{"tag":"${tag}"}`);
          await writeFile(path.join(dir, 'weights.bin'), tag);
        }
      : undefined,
    manifest: (versionDir) => {
      seen.push(versionDir);
      return `${JSON.stringify({ format: 'latentflow-model', tag, ...(versionDir ? { versionDir } : {}) })}\n`;
    },
  };
}

/** Every file under `dir` with its content, for before/after comparisons. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const full = path.join(d, name);
      const st = await lstat(full);
      if (st.isDirectory()) await walk(full, `${rel}${name}/`);
      else out[`${rel}${name}`] = st.isSymbolicLink() ? `-> ${await readlink(full)}` : await readFile(full, 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}

async function refusal(p: Promise<unknown>): Promise<PathError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PathError);
  return error as PathError;
}

describe('writeModelVersion', () => {
  it('a first save creates the folder with the manifest naming v-1, which holds the network files', async () => {
    const dir = await fresh('first');
    const seen: (string | undefined)[] = [];
    await writeModelVersion(dir, writer('a', seen));
    expect(seen).toEqual(['v-1']);
    expect(await tree(dir)).toEqual({
      'latentflow.json': '{"format":"latentflow-model","tag":"a","versionDir":"v-1"}\n',
      'v-1/model.json': '{"tag":"a"}',
      'v-1/weights.bin': 'a',
    });
  });

  it('a model without network files (PCA) writes only the manifest, with no version directory', async () => {
    const dir = await fresh('pca');
    const seen: (string | undefined)[] = [];
    await writeModelVersion(dir, writer('p', seen, false));
    expect(seen).toEqual([undefined]);
    expect(await tree(dir)).toEqual({ 'latentflow.json': '{"format":"latentflow-model","tag":"p"}\n' });
  });

  it(`each save takes the next number and keeps the current version plus the ${KEEP_PREVIOUS} previous ones`, async () => {
    const dir = await fresh('prune');
    for (const tag of ['a', 'b', 'c']) await writeModelVersion(dir, writer(tag));
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'v-1', 'v-2', 'v-3']);
    await writeModelVersion(dir, writer('d'));
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'v-2', 'v-3', 'v-4']);
    await writeModelVersion(dir, writer('e'));
    const files = await tree(dir);
    expect(Object.keys(files).sort()).toEqual(['latentflow.json', 'v-3/model.json', 'v-3/weights.bin', 'v-4/model.json', 'v-4/weights.bin', 'v-5/model.json', 'v-5/weights.bin']);
    expect(files['latentflow.json']).toContain('"versionDir":"v-5"');
    expect(files['v-5/weights.bin']).toBe('e');
    expect(files['v-3/weights.bin']).toBe('c');
  });

  it('numbers continue after the highest version present, even with gaps', async () => {
    const dir = await fresh('gap');
    await writeModelVersion(dir, writer('a'));
    await mkdir(path.join(dir, 'v-7'));
    await writeFile(path.join(dir, 'v-7', 'weights.bin'), 'old');
    const seen: (string | undefined)[] = [];
    await writeModelVersion(dir, writer('b', seen));
    expect(seen).toEqual(['v-8']);
  });

  it('a PCA save over an autoencoder keeps the previous versions for readers mid-load, then prunes them as usual', async () => {
    const dir = await fresh('kinds');
    await writeModelVersion(dir, writer('ae'));
    await writeModelVersion(dir, writer('pca', [], false));
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'v-1']);
    await writeModelVersion(dir, writer('pca2', [], false));
    await writeModelVersion(dir, writer('pca3', [], false));
    // v-1 is one of the KEEP_PREVIOUS newest others (the only one): still kept.
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'v-1']);
  });

  it('flat files of the old layout count as the oldest version: kept while recent, removed once older than the kept ones', async () => {
    const dir = await fresh('flat');
    await mkdir(dir);
    await writeFile(path.join(dir, 'latentflow.json'), '{"format":"latentflow-model","tag":"flat"}');
    await writeFile(path.join(dir, 'model.json'), '{}');
    await writeFile(path.join(dir, 'weights.bin'), 'flat');
    const seen: (string | undefined)[] = [];
    await writeModelVersion(dir, writer('a', seen));
    expect(seen).toEqual(['v-1']);
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'model.json', 'v-1', 'weights.bin']);
    await writeModelVersion(dir, writer('b'));
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'model.json', 'v-1', 'v-2', 'weights.bin']);
    await writeModelVersion(dir, writer('c'));
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', 'v-1', 'v-2', 'v-3']);
  });

  it('a save whose network write fails leaves the previous model byte for byte and no temp directory', async () => {
    const dir = await fresh('fail-net');
    await writeModelVersion(dir, writer('good'));
    const before = await tree(dir);
    const failing: ModelVersionWriter = {
      writeNetwork: async (d) => {
        await writeFile(path.join(d, 'weights.bin'), 'partial');
        throw new Error('disk full');
      },
      manifest: () => 'never',
    };
    await expect(writeModelVersion(dir, failing)).rejects.toThrow('disk full');
    expect(await tree(dir)).toEqual(before);
  });

  it('a save that fails after publishing its version removes that version and keeps the previous manifest', async () => {
    const dir = await fresh('fail-manifest');
    await writeModelVersion(dir, writer('good'));
    const before = await tree(dir);
    const failing: ModelVersionWriter = {
      writeNetwork: writer('bad').writeNetwork,
      manifest: () => {
        throw new Error('cannot serialise');
      },
    };
    await expect(writeModelVersion(dir, failing)).rejects.toThrow('cannot serialise');
    expect(await tree(dir)).toEqual(before);
  });

  it('a symlinked model path is written where the link leads; the link stays a link', async () => {
    const real = await fresh('real');
    await mkdir(real);
    const link = await fresh('link');
    await symlink(real, link);
    await writeModelVersion(link, writer('via-link'));
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await readdir(real)).sort()).toEqual(['latentflow.json', 'v-1']);
  });

  it('leftovers of killed saves (dead pid, our exact names) are removed; live ones and the model are kept', async () => {
    const dir = await fresh('leftovers');
    await writeModelVersion(dir, writer('a'));
    const dead = deadPid();
    const stale = {
      manifest: `latentflow.json.tmp-${dead}-0badc0de`,
      weights: `weights.bin.tmp-${dead}-00000001`,
      building: `v.tmp-${dead}-abcdef01`,
    };
    const live = `latentflow.json.tmp-${process.pid}-12345678`;
    await writeFile(path.join(dir, stale.manifest), 'half');
    await writeFile(path.join(dir, stale.weights), 'half');
    await mkdir(path.join(dir, stale.building));
    await writeFile(path.join(dir, stale.building, 'model.json'), '{}');
    await writeFile(path.join(dir, live), 'in progress');
    // Copies beside the model directory that the whole-directory swap of older versions left behind.
    const base = path.basename(dir);
    const oldCopy = path.join(root, `${base}.old-${dead}-0123abcd`);
    const tmpCopy = path.join(root, `${base}.tmp-${dead}-0123abcd`);
    const liveOld = path.join(root, `${base}.old-${process.pid}-0123abcd`);
    const userOld = path.join(root, `${base}.old-${dead}-feedf00d`);
    for (const d of [oldCopy, tmpCopy, liveOld, userOld]) {
      await mkdir(d);
      await writeFile(path.join(d, 'latentflow.json'), '{"format":"latentflow-model"}');
    }
    await writeFile(path.join(userOld, 'notes.txt'), 'a user file: never removed');
    await writeModelVersion(dir, writer('b'));
    expect((await readdir(dir)).sort()).toEqual(['latentflow.json', live, 'v-1', 'v-2']);
    const beside = await readdir(root);
    expect(beside).not.toContain(path.basename(oldCopy));
    expect(beside).not.toContain(path.basename(tmpCopy));
    expect(beside).toContain(path.basename(liveOld));
    expect(beside).toContain(path.basename(userOld));
    for (const d of [liveOld, userOld]) await rm(d, { recursive: true });
  });

  it('an .old- copy is kept while the model directory holds no model yet (it may be the only copy)', async () => {
    const dir = await fresh('only-copy');
    await mkdir(dir);
    const dead = deadPid();
    const oldCopy = path.join(root, `${path.basename(dir)}.old-${dead}-aaaaaaaa`);
    await mkdir(oldCopy);
    await writeFile(path.join(oldCopy, 'latentflow.json'), '{"format":"latentflow-model"}');
    // The save itself fails, so the directory still has no manifest when leftovers are looked at.
    await expect(
      writeModelVersion(dir, { manifest: () => { throw new Error('stop'); } }),
    ).rejects.toThrow('stop');
    expect(await readdir(root)).toContain(path.basename(oldCopy));
    await writeModelVersion(dir, writer('x', [], false));
    await writeModelVersion(dir, writer('y', [], false));
    expect(await readdir(root)).not.toContain(path.basename(oldCopy));
  });

  it('refuses a path holding anything latentflow did not write, and leaves it untouched', async () => {
    const file = await fresh('a-file');
    await writeFile(file, 'data');
    const e1 = await refusal(writeModelVersion(file, writer('x')));
    expect(e1.message).toBe(
      `${file}: is a file, not a model directory; latentflow only writes a model into an empty folder, a new path or a model directory it wrote, and nothing was changed; choose another model path`,
    );
    expect(await readFile(file, 'utf8')).toBe('data');

    const dangling = await fresh('dangling');
    await symlink(path.join(root, 'nowhere'), dangling);
    expect((await refusal(writeModelVersion(dangling, writer('x')))).message).toContain('is a symlink to a missing path;');

    const one = await fresh('one-foreign');
    await mkdir(one);
    await writeFile(path.join(one, 'notes.txt'), 'mine');
    expect((await refusal(writeModelVersion(one, writer('x')))).message).toContain('holds 1 entry that are not part of a latentflow model ("notes.txt");');
    expect(await readdir(one)).toEqual(['notes.txt']);

    const many = await fresh('many-foreign');
    await mkdir(many);
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) await writeFile(path.join(many, name), name);
    expect((await refusal(writeModelVersion(many, writer('x')))).message).toContain('holds 6 entries that are not part of a latentflow model ("a", "b", "c", "d", "e", …);');

    const five = await fresh('five-foreign');
    await mkdir(five);
    for (const name of ['a', 'b', 'c', 'd', 'e']) await writeFile(path.join(five, name), name);
    expect((await refusal(writeModelVersion(five, writer('x')))).message).toContain('holds 5 entries that are not part of a latentflow model ("a", "b", "c", "d", "e");');
  });

  it('refuses a foreign manifest, a bare TensorFlow.js model, and version-like folders that hold other things', async () => {
    const foreignManifest = await fresh('foreign-manifest');
    await mkdir(foreignManifest);
    await writeFile(path.join(foreignManifest, 'latentflow.json'), '{"format":"something-else"}');
    expect((await refusal(writeModelVersion(foreignManifest, writer('x')))).message).toContain('holds a latentflow.json that is not a latentflow model manifest;');
    await writeFile(path.join(foreignManifest, 'latentflow.json'), 'not json');
    expect((await refusal(writeModelVersion(foreignManifest, writer('x')))).message).toContain('holds a latentflow.json that is not a latentflow model manifest;');
    await writeFile(path.join(foreignManifest, 'latentflow.json'), 'null');
    expect((await refusal(writeModelVersion(foreignManifest, writer('x')))).message).toContain('that is not a latentflow model manifest');

    const tfjs = await fresh('tfjs');
    await mkdir(tfjs);
    await writeFile(path.join(tfjs, 'model.json'), '{}');
    await writeFile(path.join(tfjs, 'weights.bin'), 'w');
    expect((await refusal(writeModelVersion(tfjs, writer('x')))).message).toContain('holds model.json/weights.bin without a latentflow manifest;');

    for (const [name, make] of [
      ['v-1 holding a user file', async (d: string) => (await mkdir(path.join(d, 'v-1')), writeFile(path.join(d, 'v-1', 'notes.txt'), 'x'))],
      ['v-1 holding a folder', async (d: string) => (await mkdir(path.join(d, 'v-1')), mkdir(path.join(d, 'v-1', 'model.json')))],
      ['v-01', async (d: string) => mkdir(path.join(d, 'v-01'))],
      ['v-0', async (d: string) => mkdir(path.join(d, 'v-0'))],
      ['a file named v-1', async (d: string) => writeFile(path.join(d, 'v-1'), 'x')],
      ['a folder named weights.bin', async (d: string) => mkdir(path.join(d, 'weights.bin'))],
      ['a folder named like a manifest temp', async (d: string) => mkdir(path.join(d, `latentflow.json.tmp-${process.pid}-12345678`))],
      ['a similar but not temp name', async (d: string) => writeFile(path.join(d, 'latentflow.json.tmp-notes'), 'x')],
    ] as const) {
      const d = await fresh('odd');
      await mkdir(d);
      await writeFile(path.join(d, 'latentflow.json'), '{"format":"latentflow-model"}');
      await make(d);
      const before = await tree(d);
      const e = await refusal(writeModelVersion(d, writer('x')));
      expect(e.message, name).toContain('holds 1 entry that are not part of a latentflow model');
      expect(await tree(d), name).toEqual(before);
    }
    const manifestFolder = await fresh('manifest-folder');
    await mkdir(path.join(manifestFolder, 'latentflow.json'), { recursive: true });
    expect((await refusal(writeModelVersion(manifestFolder, writer('x')))).message).toContain('holds 1 entry that are not part of a latentflow model ("latentflow.json")');
  });

  it('a path under a file cannot be inspected: PathError with the reason', async () => {
    const file = await fresh('plain');
    await writeFile(file, 'x');
    const e = await refusal(writeModelVersion(path.join(file, 'model'), writer('x')));
    expect(e.message).toMatch(/: cannot be inspected \(ENOTDIR[^)]*\); latentflow only writes a model into/);
  });
});

describe('model layout names', () => {
  it('versionNumber reads v-<n> for n from 1 with up to 15 digits, nothing else', () => {
    expect(versionNumber('v-1')).toBe(1);
    expect(versionNumber('v-42')).toBe(42);
    expect(versionNumber('v-123456789012345')).toBe(123456789012345);
    for (const name of ['v-0', 'v-01', 'v-1234567890123456', 'v-', 'v1', 'xv-1', 'v-1x', 'v-1.tmp-1-aaaaaaaa', 'V-1']) {
      expect(versionNumber(name), name).toBeUndefined();
    }
  });

  it('inspectModelDir tells absent, empty and model directories apart, with sorted versions (0 = flat files)', async () => {
    expect(await inspectModelDir(path.join(root, 'absent-here'))).toEqual({ state: 'absent' });
    const empty = await fresh('empty');
    await mkdir(empty);
    expect(await inspectModelDir(empty)).toEqual({ state: 'empty' });
    const model = await fresh('model');
    await mkdir(model);
    await writeFile(path.join(model, 'latentflow.json'), '{"format":"latentflow-model"}');
    await writeFile(path.join(model, 'model.json'), '{}');
    for (const v of ['v-10', 'v-2', 'v-9']) {
      await mkdir(path.join(model, v));
      await writeFile(path.join(model, v, 'weights.bin'), 'w');
    }
    await mkdir(path.join(model, `v.tmp-${process.pid}-aaaaaaaa`));
    await writeFile(path.join(model, `weights.bin.tmp-${process.pid}-bbbbbbbb`), 'w');
    expect(await inspectModelDir(model)).toEqual({ state: 'model', versions: [0, 2, 9, 10] });
    const bare = await fresh('bare-manifest');
    await mkdir(bare);
    await writeFile(path.join(bare, 'latentflow.json'), '{"format":"latentflow-model"}');
    expect(await inspectModelDir(bare)).toEqual({ state: 'model', versions: [] });
  });

  it('isVersionDirectory: a directory of network files (or their temp names) only', async () => {
    const d = await fresh('vdir');
    await mkdir(d);
    expect(await isVersionDirectory(d)).toBe(true);
    await writeFile(path.join(d, 'model.json'), '{}');
    await writeFile(path.join(d, `weights.bin.tmp-${process.pid}-cccccccc`), 'w');
    expect(await isVersionDirectory(d)).toBe(true);
    await symlink(path.join(d, 'model.json'), path.join(d, 'weights.bin'));
    expect(await isVersionDirectory(d)).toBe(false);
    await rm(path.join(d, 'weights.bin'));
    await writeFile(path.join(d, 'latentflow.json'), '{}');
    expect(await isVersionDirectory(d)).toBe(false);
    expect(await isVersionDirectory(path.join(d, 'model.json'))).toBe(false);
    expect(await isVersionDirectory(path.join(root, 'missing'))).toBe(false);
    const linked = await fresh('vlink');
    await symlink(d, linked);
    expect(await isVersionDirectory(linked)).toBe(false);
  });

  it('holdsOnlyModelEntries: a directory with only layout entries, possibly incomplete', async () => {
    const d = await fresh('only');
    await mkdir(d);
    await writeFile(path.join(d, 'weights.bin'), 'w');
    expect(await holdsOnlyModelEntries(d)).toBe(true);
    await writeFile(path.join(d, 'other.csv'), 'x');
    expect(await holdsOnlyModelEntries(d)).toBe(false);
    expect(await holdsOnlyModelEntries(path.join(d, 'weights.bin'))).toBe(false);
    expect(await holdsOnlyModelEntries(path.join(root, 'gone'))).toBe(false);
  });
});
