import { parentPort } from 'node:worker_threads';
import * as pw from 'parquet-wasm/node';
import type { EncoderReply, EncoderRequest, EncoderSetup } from './parquet-encoder-protocol.js';
import { writerProperties } from './parquet-writer-properties.js';

/**
 * The thread that encodes one Parquet file for parquet-sink (see parquet-encoder.ts for why it is a thread):
 * parquet-wasm's streaming writer pulls batches, asking the sink for each one, and every chunk of file bytes
 * it emits goes back to the sink, which writes them in order.
 */

const port = parentPort!;

function reply(message: EncoderReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Resolves the writer's pending pull with the next batch's IPC bytes, or undefined at the end. */
let deliver: ((ipc: Uint8Array | undefined) => void) | undefined;

async function encode(setup: EncoderSetup): Promise<void> {
  // parquet-wasm swallows an error of its input stream and finishes the file normally, so a batch it could
  // not take is kept here and reported instead of `done`.
  let failure: { error: unknown } | undefined;
  try {
    const source = new ReadableStream<pw.RecordBatch>(
      {
        async pull(controller) {
          const ipc = await new Promise<Uint8Array | undefined>((resolve) => {
            deliver = resolve;
            reply({ kind: 'pull' });
          });
          if (ipc === undefined) {
            controller.close();
            return;
          }
          try {
            const table = pw.Table.fromIPCStream(ipc);
            try {
              for (const batch of table.recordBatches()) controller.enqueue(batch);
            } finally {
              table.free();
            }
          } catch (error) {
            failure = { error };
            controller.error(error);
          }
        },
      },
      // Pull only when the writer asks: one batch in the thread at a time.
      { highWaterMark: 0 },
    );
    const output = await pw.transformParquetStream(source, writerProperties(setup));
    for await (const chunk of output as AsyncIterable<Uint8Array>) {
      const own = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice();
      reply({ kind: 'bytes', bytes: own }, [own.buffer as ArrayBuffer]);
    }
    if (failure !== undefined) throw failure.error;
    reply({ kind: 'done' });
  } catch (err) {
    reply({ kind: 'failed', message: (err as Error)?.message ?? String(err) });
  }
}

port.on('message', (request: EncoderRequest) => {
  if (request.kind === 'start') void encode(request.setup);
  else {
    const resolve = deliver;
    deliver = undefined;
    resolve?.(request.kind === 'batch' ? request.ipc : undefined);
  }
});
