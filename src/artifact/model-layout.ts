import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathError } from '../errors.js';
import { tempOwner } from '../io/temp-names.js';
import { isMemberDirName } from './ensemble-layout.js';
import { MODEL_JSON, WEIGHTS_BIN } from './tfjs-file-handler.js';

/**
 * The files of a model directory, and how to tell one latentflow wrote from anything else.
 *
 * Layout (format 1, versioned):
 * ```
 * <dir>/latentflow.json     the manifest; names the version directory holding the network files
 * <dir>/v-<n>/model.json    TensorFlow.js topology (autoencoders only)
 * <dir>/v-<n>/weights.bin   weights
 * <dir>/v-<n>/member-<i>/   instead of the two files, one folder of them per member of an ensemble (format 3,
 *                           ensemble-layout.ts)
 * ```
 * A version directory is complete before the manifest that names it is renamed into place, and it is never
 * changed afterwards, so replacing the manifest (one rename) switches every reader from one whole model to
 * the next. Older versions are removed only after the manifest moved on, keeping the previous
 * {@link KEEP_PREVIOUS} so a reader that read the old manifest a moment ago still finds its files.
 *
 * Models saved before versioned directories (`latentflow.json`, `model.json`, `weights.bin` side by side)
 * still load; their flat files count as the oldest version and are removed like one.
 *
 * Temp names are `<name>.tmp-<pid>-<8 hex>` (see io/temp-names): `latentflow.json.tmp-…` for a manifest
 * being written, `v.tmp-…` for a version directory being filled.
 */
export const MANIFEST = 'latentflow.json';

/** Versions kept besides the current one, for readers that are mid-load when the manifest moves on. */
export const KEEP_PREVIOUS = 2;

/** The stem of a version directory being built: `v.tmp-<pid>-<hex>`, renamed to `v-<n>` when complete. */
export const VERSION_TEMP_STEM = 'v';

const VERSION_DIR = /^v-([1-9]\d{0,14})$/;

/** The version number of a `v-<n>` directory name, or undefined. */
export function versionNumber(name: string): number | undefined {
  const m = VERSION_DIR.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** What is at a model path before a save. */
export type ModelDirState =
  | { state: 'absent' }
  | { state: 'empty' }
  /** A directory latentflow wrote: its version numbers (0 = flat files of the old layout). */
  | { state: 'model'; versions: number[] };

const NETWORK_FILES = [MODEL_JSON, WEIGHTS_BIN];

/** Whether `name` is a network file or one of our temp names for one. */
function isNetworkEntry(name: string): boolean {
  return NETWORK_FILES.includes(name) || NETWORK_FILES.some((f) => tempOwner(name, f) !== undefined);
}

/**
 * A version directory (or one being built) that holds only network files, or only `member-<i>/` folders of
 * network files (an ensemble, artifact/ensemble-layout.ts).
 */
export async function isVersionDirectory(dir: string): Promise<boolean> {
  try {
    if (!(await lstat(dir)).isDirectory()) return false;
    for (const name of await readdir(dir)) {
      const full = path.join(dir, name);
      const isPart = isMemberDirName(name) ? await holdsOnlyNetworkFiles(full) : isNetworkEntry(name) && (await lstat(full)).isFile();
      if (!isPart) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** A directory (not a symlink) whose entries are all network files or our temp names for them. */
async function holdsOnlyNetworkFiles(dir: string): Promise<boolean> {
  if (!(await lstat(dir)).isDirectory()) return false;
  for (const name of await readdir(dir)) {
    if (!isNetworkEntry(name) || !(await lstat(path.join(dir, name))).isFile()) return false;
  }
  return true;
}

/**
 * Classifies `dir` for a save: absent, an empty directory, or a model directory latentflow wrote. Anything
 * else is a PathError and nothing is touched: a file, a symlink to nothing, a folder holding entries that
 * are not part of the model layout (a user's data next to a model, the folder of the input), or a
 * `latentflow.json` that is not our manifest. Symlinks to directories are followed (the save writes inside).
 */
export async function inspectModelDir(dir: string): Promise<ModelDirState> {
  const refuse = (what: string) =>
    new PathError(dir, `${what}; latentflow only writes a model into an empty folder, a new path or a model directory it wrote, and nothing was changed; choose another model path`);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(`cannot be inspected (${(error as Error).message})`);
    const isLink = await lstat(dir).then(
      () => true,
      () => false,
    );
    if (isLink) throw refuse('is a symlink to a missing path');
    return { state: 'absent' };
  }
  if (!isDirectory) throw refuse('is a file, not a model directory');
  const names = await readdir(dir);
  if (names.length === 0) return { state: 'empty' };

  const { foreign, versions, hasManifest, hasFlatFiles } = await layoutEntries(dir, names);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).map((f) => JSON.stringify(f)).join(', ');
    throw refuse(`holds ${foreign.length} ${foreign.length === 1 ? 'entry' : 'entries'} that are not part of a latentflow model (${shown}${foreign.length > 5 ? ', …' : ''})`);
  }
  if (hasManifest && !(await isOurManifest(path.join(dir, MANIFEST)))) throw refuse(`holds a ${MANIFEST} that is not a latentflow model manifest`);
  // model.json + weights.bin without our manifest is someone's TensorFlow.js model, not ours.
  if (hasFlatFiles && !hasManifest) throw refuse(`holds ${MODEL_JSON}/${WEIGHTS_BIN} without a latentflow manifest`);
  if (hasFlatFiles) versions.push(0);
  return { state: 'model', versions: versions.sort((a, b) => a - b) };
}

/** The entries of `dir` sorted into parts of the model layout and `foreign` ones. */
async function layoutEntries(dir: string, names: string[]) {
  const foreign: string[] = [];
  const versions: number[] = [];
  let hasManifest = false;
  let hasFlatFiles = false;
  for (const name of names) {
    const full = path.join(dir, name);
    const st = await lstat(full);
    const n = versionNumber(name);
    if (name === MANIFEST && st.isFile()) hasManifest = true;
    else if (NETWORK_FILES.includes(name) && st.isFile()) hasFlatFiles = true;
    else if ((tempOwner(name, MANIFEST) !== undefined || isNetworkEntry(name)) && st.isFile()) continue;
    else if ((n !== undefined || tempOwner(name, VERSION_TEMP_STEM) !== undefined) && (await isVersionDirectory(full))) {
      if (n !== undefined) versions.push(n);
    } else foreign.push(name);
  }
  return { foreign, versions, hasManifest, hasFlatFiles };
}

/**
 * Whether `dir` is a directory holding nothing but model-layout entries (possibly incomplete, as a killed
 * save leaves it); used before removing a leftover copy.
 */
export async function holdsOnlyModelEntries(dir: string): Promise<boolean> {
  try {
    if (!(await lstat(dir)).isDirectory()) return false;
    return (await layoutEntries(dir, await readdir(dir))).foreign.length === 0;
  } catch {
    return false;
  }
}

/** Whether `file` parses as a manifest this code wrote (the `format` tag); a damaged one is still ours to replace only if tagged. */
async function isOurManifest(file: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { format?: unknown };
    return manifest !== null && typeof manifest === 'object' && manifest.format === 'latentflow-model';
  } catch {
    return false;
  }
}
