import type { FileHandle } from 'node:fs/promises';
import { tableFromIPC, type RecordBatch, type Schema } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { z } from 'zod';
import { DataError, LatentflowError } from '../errors.js';
import { emptyBatch } from '../io/batch.js';
import { Closers } from '../io/closers.js';
import { fileError, isFsError } from '../io/file-error.js';
import { openInput, type InputFile } from '../io/input-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { located } from '../io/file-schema.js';
import { rebatch } from '../io/rebatch.js';
import { defineStage, type Source, type StageContext } from '../contract/stage.js';
import { closableSource } from './closable.js';

const TYPE = 'parquet-source';

/** Parameters of {@link parquetSource}. */
const params = z
  .object({
    /** Parquet file to read. */
    path: z.string().min(1).describe('Parquet file to read (- for stdin, buffered in memory); a relative path resolves against the pipeline file folder'),
    /** Rows per output batch, default 8192. */
    batchRows: z.number().int().positive().default(8192).describe('Rows per output batch (rows); the last batch may be shorter'),
  })
  .strict();

/** Validated params of `parquet-source`. */
export type ParquetSourceParams = z.output<typeof params>;

/**
 * Reads a Parquet file one row group at a time with parquet-wasm, which reads byte ranges on demand (the
 * footer, then the current row group's column chunks), re-sliced into `batchRows` batches. Memory holds
 * one row group (in wasm memory while decoding, then as Arrow JS batches). Columns keep the Arrow type
 * the file's Arrow schema gives (dictionary columns stay dictionaries, timestamps keep unit and zone,
 * int64 and decimals stay exact). Each batch carries the file's schema metadata plus source metadata (file, first
 * row). A file with no rows yields one zero-row batch with its schema.
 */
export const parquetSource = defineStage({
  type: TYPE,
  kind: 'source',
  description: 'Reads a Parquet file one row group at a time',
  params,
  create(p, ctx): Source {
    return closableSource(({ closers, isClosed }) => readParquet(p, ctx, closers, isClosed));
  },
});

async function* readParquet(p: ParquetSourceParams, ctx: StageContext, closers: Closers, isClosed: () => boolean): AsyncGenerator<RecordBatch> {
  if (isClosed()) return;
  const file = resolveFilePath(ctx.baseDir, p.path);
  let source: InputFile;
  let isStream = true;
  try {
    source = await openInput(file);
    const st = await source.handle?.stat();
    // Parquet is read by offset; a pipe (stdin, a FIFO) is read whole into memory first.
    isStream = st === undefined || st.isFIFO() || st.isSocket() || st.isCharacterDevice();
    if (st !== undefined && !st.isFile() && !isStream) {
      await source.close();
      throw Object.assign(new Error(`EISDIR: not a regular file, open '${file}'`), { code: 'EISDIR', syscall: 'open' });
    }
  } catch (err) {
    throw fileError(TYPE, file, 'open', err);
  }
  let parquet: pw.ParquetFile | undefined;
  // The row group being decoded, so a damaged file is reported where it failed.
  let currentGroup: number | undefined;
  let groupCount = 0;
  const release = closers.add(async () => {
    try {
      parquet?.free();
    } catch {
      // Still borrowed by a pending read (close() raced it); wasm-bindgen drops it when that settles.
    }
    parquet = undefined;
    await source.close();
  });
  try {
    const blob = isStream ? new Blob([await source.readAll()]) : await fileHandleBlob(source.handle!);
    await checkMagic(blob, file);
    try {
      parquet = await pw.ParquetFile.fromFile(blob);
    } catch (err) {
      throw new DataError(`${TYPE}: not a readable Parquet file (its footer metadata is damaged): ${(err as Error)?.message ?? String(err)}`, { file }, { cause: err });
    }
    const meta = parquet.metadata();
    const groups = meta.numRowGroups();
    groupCount = groups;
    meta.free();
    const reader = parquet;
    const raw = (async function* () {
      for (let group = 0; group < groups; group++) {
        ctx.signal.throwIfAborted();
        currentGroup = group;
        const table = tableFromIPC((await reader.read({ rowGroups: [group], batchSize: p.batchRows })).intoIPCStream());
        for (const batch of table.batches) yield batch;
      }
    })();
    let firstRow = 0;
    let yielded = false;
    for await (const batch of rebatch(raw, p.batchRows)) {
      ctx.signal.throwIfAborted();
      yielded = true;
      yield located(batch, file, firstRow);
      if (isClosed()) return;
      firstRow += batch.numRows;
    }
    if (!yielded) {
      const schema: Schema = tableFromIPC(reader.schema().intoIPCStream()).schema;
      yield located(emptyBatch(schema), file, 0);
    }
  } catch (err) {
    if (isClosed() && !(err instanceof LatentflowError)) return;
    if (err instanceof LatentflowError || ctx.signal.aborted) throw err;
    if (isFsError(err)) throw fileError(TYPE, file, 'read', err);
    const at = currentGroup !== undefined ? ` in row group ${currentGroup} of ${groupCount}` : '';
    throw new DataError(`${TYPE}: cannot read the Parquet data${at}, the file is damaged: ${(err as Error)?.message ?? String(err)}`, { file }, { cause: err });
  } finally {
    await release();
  }
}

/** Parquet magic, at both ends of every Parquet file. */
const PAR1 = 'PAR1';

/**
 * A Parquet file starts and ends with PAR1 (the footer length sits just before the closing one). A file cut
 * short loses the end, and parquet-wasm would then only say "Corrupt footer"; this names the cause.
 */
async function checkMagic(blob: Blob, file: string): Promise<void> {
  const size = blob.size;
  const head = Buffer.from(await blob.slice(0, 4).arrayBuffer());
  const tail = size >= 12 ? Buffer.from(await blob.slice(size - 4, size).arrayBuffer()) : Buffer.alloc(4);
  if (head.toString('latin1') !== PAR1) {
    throw new DataError(`${TYPE}: not a Parquet file: it does not start with PAR1 (${size} bytes)`, { file, expected: 'PAR1 at the start', received: `bytes 0x${head.toString('hex')}` });
  }
  if (size < 12 || tail.toString('latin1') !== PAR1) {
    throw new DataError(`${TYPE}: the Parquet file is truncated: it starts with PAR1 but does not end with the PAR1 footer (${size} bytes); it was cut short, is still being written, or is not a Parquet file`, {
      file,
      expected: 'PAR1 at the end of the file',
      received: `bytes 0x${tail.toString('hex')}`,
    }, { code: 'E_TRUNCATED' });
  }
}

/**
 * A Blob look-alike over an open FileHandle, for `ParquetFile.fromFile`: parquet-wasm only uses `size`,
 * `slice(start, end)` and `arrayBuffer()` (no instanceof check in its 0.8 glue), and reads ranges on demand.
 * Node's own `fs.openAsBlob` would work too, but it opens the file for every read and closes it a tick
 * later, so an early stop could not promise the descriptor is closed; this one uses a handle the source
 * owns and closes in its release.
 */
async function fileHandleBlob(handle: FileHandle): Promise<Blob> {
  const { size } = await handle.stat();
  const range = (start: number, end: number) => ({
    size: end - start,
    async arrayBuffer(): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(end - start);
      let at = 0;
      while (at < bytes.length) {
        const { bytesRead } = await handle.read(bytes, at, bytes.length - at, start + at);
        if (bytesRead === 0) break; // the file shrank; parquet-wasm reports the short read
        at += bytesRead;
      }
      return at === bytes.length ? bytes.buffer : bytes.slice(0, at).buffer;
    },
  });
  // Blob.slice semantics: negative offsets count from the end, both ends are clamped to [0, size].
  const clamp = (x: number | undefined, fallback: number) => (x === undefined ? fallback : x < 0 ? Math.max(size + x, 0) : Math.min(x, size));
  const blob = {
    size,
    slice(start?: number, end?: number) {
      const from = clamp(start, 0);
      return range(from, Math.max(from, clamp(end, size)));
    },
    arrayBuffer: () => range(0, size).arrayBuffer(),
  };
  return blob as unknown as Blob;
}
