import type { RecordBatch } from 'apache-arrow';
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
import { DecoderFailure, ParquetDecoder } from './parquet-decoder.js';
import type { DecoderSetup } from './parquet-protocol.js';

const TYPE = 'parquet-source';

/** Parameters of {@link parquetSource}. */
const params = z
  .object({
    /** Parquet file to read. */
    path: z.string().min(1).describe('Parquet file to read (- for stdin, buffered in memory); a relative path resolves against the pipeline file folder'),
    /** Rows per output batch, default 8192. */
    batchRows: z.number().int().positive().default(8192).describe('Rows per output batch (rows); the last batch may be shorter'),
    decodeTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(300_000)
      .describe('Longest time the footer or one row group may take to decode (ms); a decoder that stalls on a damaged file is stopped and the file reported'),
  })
  .strict();

/** Validated params of `parquet-source`. */
export type ParquetSourceParams = z.output<typeof params>;

/**
 * Reads a Parquet file one row group at a time with parquet-wasm, which reads byte ranges on demand (the
 * footer, then the current row group's column chunks), re-sliced into `batchRows` batches. Decoding runs in
 * a worker thread (parquet-decoder.ts), so a damaged page that crashes or stalls the decoder is a DataError
 * naming the file and row group, never a crashed or hung process. Memory holds one row group (in the
 * thread's wasm memory while decoding, then as Arrow JS batches). Columns keep the Arrow type
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
  let size = 0;
  try {
    source = await openInput(file);
    const st = await source.handle?.stat();
    // Parquet is read by offset; a pipe (stdin, a FIFO) is read whole into memory first.
    isStream = st === undefined || st.isFIFO() || st.isSocket() || st.isCharacterDevice();
    if (st !== undefined && !st.isFile() && !isStream) {
      await source.close();
      throw Object.assign(new Error(`EISDIR: not a regular file, open '${file}'`), { code: 'EISDIR', syscall: 'open' });
    }
    size = st?.size ?? 0;
  } catch (err) {
    throw fileError(TYPE, file, 'open', err);
  }
  let decoder: ParquetDecoder | undefined;
  // The row group being decoded, so a damaged file is reported where it failed.
  let currentGroup: number | undefined;
  let groupCount = 0;
  const release = closers.add(async () => {
    await decoder?.close();
    decoder = undefined;
    await source.close();
  });
  try {
    const bytes = isStream ? new Uint8Array(await source.readAll()) : undefined;
    const setup: DecoderSetup = bytes !== undefined ? { bytes, size: bytes.length, batchSize: p.batchRows } : { fd: source.handle!.fd, size, batchSize: p.batchRows };
    await checkMagic(setup, source, file);
    try {
      decoder = await ParquetDecoder.open(setup, p.decodeTimeoutMs);
    } catch (err) {
      if (err instanceof DecoderFailure && err.phase === 'timeout') throw stalled(file, 'the footer', p.decodeTimeoutMs, err);
      throw new DataError(`${TYPE}: not a readable Parquet file (its footer metadata is damaged): ${(err as Error)?.message ?? String(err)}`, { file }, { cause: err });
    }
    groupCount = decoder.groups;
    const reader = decoder;
    const raw = (async function* () {
      for (let group = 0; group < groupCount; group++) {
        ctx.signal.throwIfAborted();
        currentGroup = group;
        for (const batch of (await reader.read(group)).batches) yield batch;
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
    if (!yielded) yield located(emptyBatch(reader.schema), file, 0);
  } catch (err) {
    if (isClosed() && !(err instanceof LatentflowError)) return;
    if (err instanceof LatentflowError || ctx.signal.aborted) throw err;
    if (isFsError(err)) throw fileError(TYPE, file, 'read', err);
    const at = currentGroup !== undefined ? ` in row group ${currentGroup} of ${groupCount}` : '';
    if (err instanceof DecoderFailure && err.phase === 'timeout') throw stalled(file, `row group ${currentGroup} of ${groupCount}`, p.decodeTimeoutMs, err);
    throw new DataError(`${TYPE}: cannot read the Parquet data${at}, the file is damaged: ${(err as Error)?.message ?? String(err)}`, { file }, { cause: err });
  } finally {
    await release();
  }
}

/** A decoder that gave no answer in time: a damaged file or a row group too large for the limit. */
function stalled(file: string, part: string, timeoutMs: number, cause: DecoderFailure): DataError {
  return new DataError(
    `${TYPE}: decoding ${part} gave no result in ${timeoutMs} ms (decodeTimeoutMs), so it was stopped; the file is damaged, or the row group is larger than that limit allows`,
    { file },
    { cause, code: 'E_TIMEOUT' },
  );
}

/** Parquet magic, at both ends of every Parquet file. */
const PAR1 = 'PAR1';

/**
 * A Parquet file starts and ends with PAR1 (the footer length sits just before the closing one). A file cut
 * short loses the end, and parquet-wasm would then only say "Corrupt footer"; this names the cause.
 */
async function checkMagic(setup: DecoderSetup, source: InputFile, file: string): Promise<void> {
  const size = setup.size;
  const range = async (start: number, end: number): Promise<Buffer> => {
    if (setup.bytes !== undefined) return Buffer.from(setup.bytes.subarray(start, end));
    const out = Buffer.alloc(end - start);
    const { bytesRead } = await source.handle!.read(out, 0, out.length, start);
    return out.subarray(0, bytesRead);
  };
  const head = await range(0, Math.min(4, size));
  const tail = size >= 12 ? await range(size - 4, size) : Buffer.alloc(4);
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
