import { read } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import * as pw from 'parquet-wasm/node';
import type { DecoderReply, DecoderRequest, DecoderSetup } from './parquet-protocol.js';

/**
 * The thread that decodes Parquet files for parquet-source, one file at a time (see parquet-decoder.ts for
 * why it is a thread). It reads by offset from the source's open descriptor (descriptors are per process, so
 * the file the source opened and checked is the file decoded here) or from bytes handed over for a pipe, and
 * answers one request at a time; a row group comes back as an Arrow IPC stream.
 */

const port = parentPort!;

function reply(message: DecoderReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** `buffer.buffer` when the view spans all of it (so it can be transferred), else a copy. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function readAt(fd: number, bytes: Uint8Array, at: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, bytes, at, bytes.length - at, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * A Blob look-alike over a descriptor, for `ParquetFile.fromFile`: parquet-wasm only uses `size`,
 * `slice(start, end)` and `arrayBuffer()` (no instanceof check in its 0.8 glue), and reads ranges on demand.
 */
function descriptorBlob(fd: number, size: number): Blob {
  const range = (start: number, end: number) => ({
    size: end - start,
    async arrayBuffer(): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(end - start);
      let at = 0;
      while (at < bytes.length) {
        const n = await readAt(fd, bytes, at, start + at);
        if (n === 0) break; // the file shrank; parquet-wasm reports the short read
        at += n;
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

let file: pw.ParquetFile | undefined;
let batchSize = 0;

async function open(setup: DecoderSetup): Promise<void> {
  file?.free();
  file = undefined;
  batchSize = setup.batchSize;
  try {
    const blob = setup.bytes !== undefined ? new Blob([setup.bytes]) : descriptorBlob(setup.fd!, setup.size);
    file = await pw.ParquetFile.fromFile(blob);
  } catch (err) {
    reply({ kind: 'failed', phase: 'footer', message: message(err) });
    return;
  }
  const meta = file.metadata();
  const groups = meta.numRowGroups();
  meta.free();
  const schema = ownBuffer(file.schema().intoIPCStream());
  reply({ kind: 'opened', groups, schema }, [schema.buffer as ArrayBuffer]);
}

async function readGroup(group: number): Promise<void> {
  try {
    const ipc = ownBuffer((await file!.read({ rowGroups: [group], batchSize })).intoIPCStream());
    reply({ kind: 'group', group, ipc }, [ipc.buffer as ArrayBuffer]);
  } catch (err) {
    reply({ kind: 'failed', phase: 'read', message: message(err) });
  }
}

port.on('message', (request: DecoderRequest) => {
  if (request.kind === 'open') void open(request.setup);
  else if (request.kind === 'read') void readGroup(request.group);
  else {
    file?.free();
    file = undefined;
    reply({ kind: 'released' });
  }
});
