import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ConnectorError } from '../errors.js';
import type { Closers } from './closers.js';
import { fileError } from './file-error.js';

/**
 * A file being written under a temporary name next to its final path. Nothing appears at the final path
 * until `commit()` renames the temp file into place (an atomic replace on POSIX file systems), so readers
 * never see a half-written file and an existing file stays untouched until then.
 *
 * Call order: `write()` any number of times, then exactly one of `commit()` or `discard()`.
 */
export interface AtomicFile {
  /** Where the file ends up. */
  readonly path: string;
  /** The temp file: `<final name>.tmp-<pid>-<random hex>` in the same folder (same file system, so rename is atomic). */
  readonly tempPath: string;
  /** Appends `chunk` (strings as UTF-8). */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Flushes to disk (fsync), closes and renames into place. On failure the temp file is removed. */
  commit(): Promise<void>;
  /** Closes and removes the temp file; never throws, may be called more than once. */
  discard(): Promise<void>;
}

/** Opens a new temp file for `finalPath`, creating missing folders; file-system failures are ConnectorErrors naming `connector`. */
export async function createAtomicFile(finalPath: string, connector: string): Promise<AtomicFile> {
  const tempPath = path.join(path.dirname(finalPath), `${path.basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let handle: FileHandle;
  try {
    // Output folders are created like `mkdir -p`: a run configured to write to out/x/ should not fail on it.
    await mkdir(path.dirname(finalPath), { recursive: true });
    // 'wx': fail rather than clobber if the random name somehow exists.
    handle = await open(tempPath, 'wx');
  } catch (err) {
    throw fileError(connector, finalPath, 'create a temp file for', err);
  }
  let state: 'open' | 'committed' | 'discarded' = 'open';
  const notOpen = () =>
    new ConnectorError(`the temp file for ${finalPath} was already ${state} (the sink was closed while writing?)`, { connector, path: finalPath });

  const discard = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'discarded';
    await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true }).catch(() => undefined);
  };

  return {
    path: finalPath,
    tempPath,
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
        await handle.sync();
        await handle.close();
        await rename(tempPath, finalPath);
        state = 'committed';
      } catch (err) {
        await discard();
        throw fileError(connector, finalPath, 'finish writing', err);
      }
    },
    discard,
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
  const file = await createAtomicFile(finalPath, connector);
  const release = closers?.add(() => file.discard());
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
