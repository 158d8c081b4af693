import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
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

const TYPE = 'ipc-source';
const MAGIC = 'ARROW1';

/** Parameters of {@link ipcSource}. */
const params = z
  .object({
    /** Arrow IPC file or stream to read. */
    path: z.string().min(1).describe('Arrow IPC file (.arrow/.feather) or stream (.arrows) to read (- for stdin, read as a stream); a relative path resolves against the pipeline file folder'),
    /** IPC flavour, default `auto`. */
    format: z
      .enum(['auto', 'file', 'stream'])
      .default('auto')
      .describe('auto: file format when the file starts with the ARROW1 magic, else stream; file or stream to insist on one'),
    /** Rows per output batch; default: the batches as stored. */
    batchRows: z.number().int().positive().optional().describe('Re-slice into batches of this many rows (rows); default keeps the stored batches'),
  })
  .strict();

/** Validated params of `ipc-source`. */
export type IpcSourceParams = z.output<typeof params>;

/**
 * Reads an Arrow IPC file or stream batch by batch: the file format through Arrow's async file reader over
 * a FileHandle (footer first, then one record batch at a time by offset), the stream format through a
 * read stream (so pipes work too). Memory holds one stored batch (two when re-slicing). Each batch carries
 * the file's schema metadata plus source metadata (file, first row). A file with a schema but no batches
 * yields one zero-row batch with that schema.
 */
export const ipcSource = defineStage({
  type: TYPE,
  kind: 'source',
  description: 'Reads an Arrow IPC file or stream batch by batch',
  params,
  create(p, ctx): Source {
    return closableSource(({ closers, isClosed }) => readIpc(p, ctx, closers, isClosed));
  },
});

async function* readIpc(p: IpcSourceParams, ctx: StageContext, closers: Closers, isClosed: () => boolean): AsyncGenerator<RecordBatch> {
  if (isClosed()) return;
  const file = resolveFilePath(ctx.baseDir, p.path);
  let source: InputFile;
  try {
    source = await openInput(file);
  } catch (err) {
    throw fileError(TYPE, file, 'open', err);
  }
  let stream: Readable | undefined;
  let reader: RecordBatchReader | undefined;
  // How far reading got, so a truncated or damaged file is reported at the batch that failed.
  let kind: 'file' | 'stream' | undefined;
  let storedBatches = 0;
  let storedRows = 0;
  let isOpen = false;
  const release = closers.add(async () => {
    await Promise.resolve(reader?.cancel()).catch(() => undefined);
    stream?.destroy();
    await source.close();
  });
  try {
    const format = await detectFormat(source, file, p.format);
    kind = format;
    if (format === 'file') {
      await checkFooter(source.handle!, file);
      reader = await RecordBatchReader.from(source.handle!);
    } else {
      stream = source.stream(1 << 16);
      reader = await RecordBatchReader.from(stream);
    }
    await reader.open();
    isOpen = true;
    const stored = reader;
    const raw = (async function* () {
      for await (const batch of stored) {
        yield batch as RecordBatch;
        storedBatches++;
        storedRows += batch.numRows;
      }
    })();
    const sized = p.batchRows !== undefined ? rebatch(raw, p.batchRows) : raw;
    let firstRow = 0;
    let yielded = false;
    for await (const batch of sized) {
      ctx.signal.throwIfAborted();
      yielded = true;
      yield located(batch, file, firstRow);
      if (isClosed()) return;
      firstRow += batch.numRows;
    }
    // A schema with no batches: still tell the sink the columns (reader.schema is unset for an empty stream).
    if (!yielded && reader.schema !== undefined && reader.schema !== null) yield located(emptyBatch(reader.schema), file, 0);
  } catch (err) {
    if (isClosed() && !(err instanceof LatentflowError)) return;
    if (err instanceof LatentflowError || ctx.signal.aborted) throw err;
    if (isFsError(err)) throw fileError(TYPE, file, 'read', err);
    const detail = ((err as Error)?.message ?? String(err)).replace(/\.$/, '');
    if (!isOpen || kind === undefined) {
      throw new DataError(`${TYPE}: not a readable Arrow IPC ${kind ?? (p.format === 'auto' ? 'file or stream' : p.format)} (no valid schema at its start): ${detail}`, { file }, { cause: err });
    }
    throw new DataError(
      `${TYPE}: the Arrow IPC ${kind} is truncated or damaged at record batch ${storedBatches} (${storedRows} rows in ${storedBatches} batches read before it): ${detail}; the file was cut short or corrupted, write it again`,
      { file, batch: storedBatches },
      { cause: err, code: 'E_TRUNCATED' },
    );
  } finally {
    await release();
  }
}

/**
 * An IPC file ends with its footer and the ARROW1 magic; without them it was cut short (an interrupted copy,
 * a write still in progress), and Arrow's reader would fail with an internal message about array lengths.
 */
async function checkFooter(handle: FileHandle, file: string): Promise<void> {
  const { size } = await handle.stat();
  const tail = Buffer.alloc(MAGIC.length);
  const { bytesRead } = await handle.read(tail, 0, tail.length, Math.max(0, size - MAGIC.length));
  // Smallest valid file: magic + padding, footer length (4 bytes) and the closing magic.
  if (size < 2 * MAGIC.length + 6 || bytesRead !== MAGIC.length || tail.toString('latin1') !== MAGIC) {
    throw new DataError(`${TYPE}: the Arrow IPC file is truncated: it starts with ARROW1 but does not end with the ARROW1 footer (${size} bytes); it was cut short, is still being written, or is not an Arrow IPC file`, {
      file,
      expected: 'ARROW1 at the end of the file',
      received: `bytes 0x${tail.subarray(0, bytesRead).toString('hex')}`,
    }, { code: 'E_TRUNCATED' });
  }
}

/** The IPC flavour of the open file: by its first bytes (regular files only; pipes and stdin are streams). */
async function detectFormat(source: InputFile, file: string, wanted: IpcSourceParams['format']): Promise<'file' | 'stream'> {
  if (source.handle === undefined) {
    if (wanted === 'file') throw new DataError(`${TYPE}: format: file needs a regular file (it is read by offset); use format: stream for standard input`, { file });
    return 'stream';
  }
  const handle: FileHandle = source.handle;
  const stat = await handle.stat();
  if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR', syscall: 'read' });
  if (!stat.isFile()) {
    if (wanted === 'file') throw new DataError(`${TYPE}: format: file needs a regular file (it is read by offset); use format: stream for pipes`, { file });
    return 'stream';
  }
  const head = Buffer.alloc(MAGIC.length);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  const hasMagic = bytesRead === MAGIC.length && head.toString('latin1') === MAGIC;
  if (wanted === 'file' && !hasMagic) {
    throw new DataError(`${TYPE}: not an Arrow IPC file (it does not start with ARROW1); if it is an IPC stream (.arrows) use format: stream or auto`, {
      file,
      expected: 'ARROW1 magic',
      received: JSON.stringify(head.subarray(0, bytesRead).toString('latin1')),
    });
  }
  if (wanted === 'stream' && hasMagic) {
    throw new DataError(`${TYPE}: the file is in Arrow IPC file format, not stream format; use format: file or auto`, { file });
  }
  return hasMagic ? 'file' : 'stream';
}
