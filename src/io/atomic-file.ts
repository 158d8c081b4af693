import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ConnectorError } from '../errors.js';
import type { Closers } from './closers.js';
import { fileError } from './file-error.js';
import { STDIO, outputTarget } from './output-target.js';
import { removeStaleTemps, tempPathFor } from './temp-names.js';

/**
 * A file being written under a temporary name next to its final path. Nothing appears at the final path
 * until `commit()` renames the temp file into place (an atomic replace on POSIX file systems), so readers
 * never see a half-written file and an existing file stays untouched until then.
 *
 * Paths that must not be renamed over are written directly instead (see {@link outputTarget}): `-` and
 * `/dev/stdout` go to standard output, devices, FIFOs and sockets are opened and written in place; a
 * symlink is never replaced, the file it leads to is (atomically). A direct write cannot be undone, so
 * `discard()` only stops it.
 *
 * Before the temp file is created, leftovers of killed runs for the same final path are removed: our exact
 * temp names (`<final name>.tmp-<pid>-<8 hex>`) whose pid is no longer alive, nothing else.
 *
 * Call order: `write()` any number of times, then exactly one of `commit()` or `discard()`.
 */
export interface AtomicFile {
  /** Where the file ends up (for a symlink: the end of its chain; for stdout: `-`). */
  readonly path: string;
  /**
   * The temp file: `<final name>.tmp-<pid>-<random hex>` in the same folder (same file system, so rename is
   * atomic); for a direct write, the final path itself.
   */
  readonly tempPath: string;
  /** True when writing in place (stdout, device, FIFO, socket): there is no temp file. */
  readonly isDirect: boolean;
  /** Appends `chunk` (strings as UTF-8). */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Flushes to disk (fsync), closes and renames into place. On failure the temp file is removed. */
  commit(): Promise<void>;
  /** Closes and removes the temp file; never throws, may be called more than once. */
  discard(): Promise<void>;
}

/** Opens a new temp file for `finalPath`, creating missing folders; file-system failures are ConnectorErrors naming `connector`. */
export async function createAtomicFile(finalPath: string, connector: string): Promise<AtomicFile> {
  const target = await outputTarget(finalPath);
  if (target.kind === 'stdout') return stdoutFile(connector);
  const direct = target.kind === 'direct';
  const destination = target.path;
  const tempPath = direct ? destination : tempPathFor(destination);
  let handle: FileHandle;
  try {
    // Output folders are created like `mkdir -p`: a run configured to write to out/x/ should not fail on it.
    if (!direct) await mkdir(path.dirname(destination), { recursive: true });
    if (!direct) await removeStaleTemps(destination);
    // 'wx': fail rather than clobber if the random name somehow exists. A special file is opened as it is
    // (a FIFO blocks here until a reader opens it, as with a shell redirect).
    handle = await open(tempPath, direct ? 'w' : 'wx');
  } catch (err) {
    throw fileError(connector, finalPath, direct ? 'open' : 'create a temp file for', err);
  }
  let state: 'open' | 'committed' | 'discarded' = 'open';
  const notOpen = () =>
    new ConnectorError(`the temp file for ${finalPath} was already ${state} (the sink was closed while writing?)`, { connector, path: finalPath });

  const discard = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'discarded';
    await handle.close().catch(() => undefined);
    if (!direct) await rm(tempPath, { force: true }).catch(() => undefined);
  };

  return {
    path: destination,
    tempPath,
    isDirect: direct,
    async write(chunk) {
      if (state !== 'open') throw notOpen();
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      try {
        // FileHandle.write may write less than asked; loop until all is out.
        let offset = 0;
        while (offset < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
          offset += bytesWritten;
        }
      } catch (err) {
        throw fileError(connector, finalPath, 'write', err);
      }
    },
    async commit() {
      if (state !== 'open') throw notOpen();
      try {
        // fsync is meaningless (EINVAL) on pipes and terminals; a direct write only needs the close.
        if (!direct) await handle.sync();
        await handle.close();
        if (!direct) await rename(tempPath, destination);
        state = 'committed';
      } catch (err) {
        await discard();
        throw fileError(connector, finalPath, 'finish writing', err);
      }
    },
    discard,
  };
}

/** Writes to fd 1 through `process.stdout` (which stays open for the rest of the process), waiting for drain. */
function stdoutFile(connector: string): AtomicFile {
  const out = process.stdout;
  let state: 'open' | 'committed' | 'discarded' = 'open';
  const send = (chunk: Uint8Array | string) =>
    new Promise<void>((resolve, reject) => {
      out.write(chunk, (err) => (err ? reject(fileError(connector, STDIO, 'write', err)) : resolve()));
    });
  return {
    path: STDIO,
    tempPath: STDIO,
    isDirect: true,
    async write(chunk) {
      if (state !== 'open') throw new ConnectorError(`standard output was already ${state}`, { connector, path: STDIO });
      await send(chunk);
    },
    async commit() {
      if (state !== 'open') throw new ConnectorError(`standard output was already ${state}`, { connector, path: STDIO });
      state = 'committed';
    },
    async discard() {
      state = state === 'open' ? 'discarded' : state;
    },
  };
}

/**
 * Runs `body` against a new atomic file and commits it when `body` resolves; when `body` throws (or the
 * commit fails) the temp file is removed and the error rethrown, leaving the final path as it was. With
 * `closers`, the connector's `close()` discards the temp file even while `body` is still running.
 */
export async function writeAtomically<T>(
  finalPath: string,
  connector: string,
  body: (file: AtomicFile) => Promise<T>,
  closers?: Closers,
): Promise<T> {
  const creating = createAtomicFile(finalPath, connector);
  // Registered before the temp file exists: a close() while it is being created (the file is on disk before
  // the open resolves) waits for it and removes it, instead of finding nothing to discard.
  const release = closers?.add(async () => (await creating.catch(() => undefined))?.discard());
  let file: AtomicFile;
  try {
    file = await creating;
  } catch (err) {
    if (release !== undefined) closers!.delete(release);
    throw err;
  }
  try {
    const result = await body(file);
    await file.commit();
    return result;
  } catch (err) {
    await file.discard();
    throw err;
  } finally {
    if (release !== undefined) closers!.delete(release);
  }
}

/**
 * Writes several files that belong together (the charts of one plot sink): every one is written and synced
 * under its temp name first, and only then are they renamed into place, one after another, so a failure
 * while writing (or `closers` firing) leaves every final path as it was. Only a failing rename, after the
 * others succeeded, can leave some files new and some old; the error names the one that failed.
 */
export async function writeAllAtomically(files: readonly { path: string; data: Uint8Array | string }[], connector: string, closers?: Closers): Promise<void> {
  const opened: AtomicFile[] = [];
  const discardAll = async () => {
    await Promise.all(opened.map((f) => f.discard()));
  };
  const release = closers?.add(discardAll);
  try {
    for (const { path: finalPath, data } of files) {
      const file = await createAtomicFile(finalPath, connector);
      opened.push(file);
      await file.write(data);
    }
    for (const file of opened) await file.commit();
  } catch (err) {
    await discardAll();
    throw err;
  } finally {
    if (release !== undefined) closers!.delete(release);
  }
}
