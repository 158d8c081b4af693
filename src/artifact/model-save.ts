import { lstat, mkdir, open, readdir, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isPidAlive, removeStaleTemps, tempPathFor } from '../io/temp-names.js';
import { KEEP_PREVIOUS, MANIFEST, VERSION_TEMP_STEM, holdsOnlyModelEntries, inspectModelDir, isVersionDirectory, versionNumber, type ModelDirState } from './model-layout.js';
import { MODEL_JSON, WEIGHTS_BIN } from './tfjs-file-handler.js';

/** What a save writes; the layout and the order of the steps are this module's. */
export interface ModelVersionWriter {
  /** Writes the network files into `dir` (a new, empty directory); undefined when the model has none (PCA). */
  writeNetwork?: (dir: string) => Promise<void>;
  /** The manifest text, given the version directory that holds the network files (undefined without one). */
  manifest: (versionDir: string | undefined) => string;
}

/**
 * Saves one model version into the model directory `target` (see model-layout.ts for the layout):
 * 1. refuse anything at `target` that is not ours (PathError, nothing touched);
 * 2. remove leftovers of killed saves (our temp names, dead pids);
 * 3. fill `v.tmp-<pid>-<hex>/`, rename it to the next free `v-<n>`;
 * 4. write the manifest to a temp file, fsync, rename over `latentflow.json` — the commit point;
 * 5. only then remove versions older than the previous {@link KEEP_PREVIOUS}.
 * A failure before step 4 removes what this save created and leaves the previous model as it was.
 */
export async function writeModelVersion(target: string, writer: ModelVersionWriter): Promise<void> {
  const before = await inspectModelDir(target);
  if (before.state === 'absent') await mkdir(target, { recursive: true });
  // A symlinked model path is written where the link leads; the link itself stays.
  const dir = await realpath(target);
  await removeLeftovers(target, dir);
  let created: string | undefined;
  let isCommitted = false;
  try {
    let versionDir: string | undefined;
    if (writer.writeNetwork !== undefined) {
      created = tempPathFor(path.join(dir, VERSION_TEMP_STEM));
      await mkdir(created);
      await writer.writeNetwork(created);
      versionDir = await publishVersion(dir, created, before);
      created = path.join(dir, versionDir);
    }
    await replaceFile(path.join(dir, MANIFEST), writer.manifest(versionDir));
    isCommitted = true;
    await pruneVersions(dir, versionDir).catch(() => undefined);
  } finally {
    if (!isCommitted && created !== undefined) await rm(created, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Renames the complete `building` directory to the next free `v-<n>`; a concurrent save taking `n` moves this one on. */
async function publishVersion(dir: string, building: string, before: ModelDirState): Promise<string> {
  const known = before.state === 'model' ? before.versions : [];
  const present = (await readdir(dir)).map(versionNumber).filter((n): n is number => n !== undefined);
  let n = Math.max(0, ...known, ...present) + 1;
  for (let attempt = 0; ; attempt++, n++) {
    const name = `v-${n}`;
    try {
      await rename(building, path.join(dir, name));
      return name;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 100) throw error;
    }
  }
}

/** Writes `text` to a temp file beside `file`, fsyncs it and renames it over `file` (atomic for readers). */
async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Removes version directories beyond the current one and the {@link KEEP_PREVIOUS} newest others, and the
 * flat files of the old layout once they are that old. Only entries {@link inspectModelDir} accepted as
 * part of the layout are ever removed.
 */
async function pruneVersions(dir: string, current: string | undefined): Promise<void> {
  const state = await inspectModelDir(dir);
  if (state.state !== 'model') return;
  const currentN = current !== undefined ? versionNumber(current) : undefined;
  const others = state.versions.filter((n) => n !== currentN).sort((a, b) => b - a);
  for (const n of others.slice(KEEP_PREVIOUS)) {
    if (n === 0) {
      for (const f of [MODEL_JSON, WEIGHTS_BIN]) await rm(path.join(dir, f), { force: true });
    } else {
      const full = path.join(dir, `v-${n}`);
      if (await isVersionDirectory(full)) await rm(full, { recursive: true, force: true });
    }
  }
}

/**
 * Leftovers of killed saves (dead pids only): our temp files and `v.tmp-…` directories inside the model
 * directory, and beside it the `<dir>.tmp-<pid>-<hex>` / `<dir>.old-<pid>-<hex>` copies that earlier
 * versions of latentflow made while swapping whole directories. An `.old-` copy may be the only copy of
 * a model when its save was killed between the two renames, so it is removed only when `dir` holds a model
 * again.
 */
async function removeLeftovers(target: string, dir: string): Promise<void> {
  for (const name of [MANIFEST, MODEL_JSON, WEIGHTS_BIN]) await removeStaleTemps(path.join(dir, name));
  await removeStaleTemps(path.join(dir, VERSION_TEMP_STEM), isVersionDirectory);
  await removeStaleTemps(target, holdsOnlyModelEntries);
  const base = path.basename(target);
  const folder = path.dirname(target);
  const isOld = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.old-([1-9]\\d{0,9})-[0-9a-f]{8}$`);
  const hasModel = await lstat(path.join(dir, MANIFEST)).then(
    (st) => st.isFile(),
    () => false,
  );
  if (!hasModel) return;
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    const m = isOld.exec(name);
    if (m === null || isPidAlive(Number(m[1]))) continue;
    const full = path.join(folder, name);
    if (await holdsOnlyModelEntries(full)) await rm(full, { recursive: true, force: true }).catch(() => undefined);
  }
}
