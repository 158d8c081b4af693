import { Float64, Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { ParquetEncoder } from '../../src/connectors/parquet-encoder.js';
import type { EncoderReply } from '../../src/connectors/parquet-encoder-protocol.js';

const setup = { compression: 'zstd', rowGroupRows: 100, plainColumns: ['x'] } as const;

/** Drives one encoder: answers each pull with the next of `batches` (IPC bytes), then the end; returns the file bytes and the final reply. */
async function encode(batches: Uint8Array[]): Promise<{ bytes: Uint8Array; last: EncoderReply }> {
  const encoder = ParquetEncoder.start({ ...setup, plainColumns: [...setup.plainColumns] });
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const reply = await encoder.next();
      if (reply.kind === 'bytes') parts.push(reply.bytes);
      else if (reply.kind === 'pull') {
        const next = batches.shift();
        if (next === undefined) encoder.end();
        else encoder.send(next);
      } else return { bytes: Buffer.concat(parts), last: reply };
    }
  } finally {
    await encoder.close();
  }
}

const ipcOf = (values: number[]) => tableToIPC(new Table({ x: vectorFromArray(values, new Float64()) }), 'stream');

describe('ParquetEncoder (parquet-wasm in a worker thread)', () => {
  it('writes the batches it is handed, in order, as one Parquet file, and a second file on the kept thread', async () => {
    for (const start of [0, 1000]) {
      const values = Array.from({ length: 250 }, (_, i) => start + i / 4);
      const { bytes, last } = await encode([ipcOf(values.slice(0, 120)), ipcOf(values.slice(120))]);
      expect(last.kind).toBe('done');
      const table = tableFromIPC(pw.readParquet(bytes).intoIPCStream());
      expect(table.getChild('x')!.toArray()).toEqual(Float64Array.from(values));
    }
  });

  it('reports a batch the writer cannot take as failed, not as a finished file', async () => {
    const { last } = await encode([ipcOf([1, 2, 3]), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])]);
    expect(last.kind).toBe('failed');
  });
});
