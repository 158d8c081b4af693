import type { Worker } from 'node:worker_threads';
import type { EncoderReply, EncoderRequest, EncoderSetup } from './parquet-encoder-protocol.js';
import { IdleThread, startWorkerThread } from './worker-thread.js';

/**
 * parquet-wasm's writer running in a worker thread for one file. Why a thread: encoding and compressing
 * the columns was the largest single cost of a `score` to Parquet on the pipeline's thread; in its own
 * thread it runs while the pipeline reads and scores the next batch. The sink hands over one batch per
 * `pull` and writes the `bytes` replies in order; a crash of the thread (a panic in the wasm code) or its
 * exit is a failed reply, never a hang.
 */
export class ParquetEncoder {
  private readonly replies: EncoderReply[] = [];
  private waiting: ((reply: EncoderReply) => void) | undefined;
  private thread: Worker | undefined;
  private isDone = false;

  private constructor(thread: Worker) {
    this.thread = thread;
    thread.on('message', this.onMessage).on('error', this.onError).on('exit', this.onExit);
  }

  /** Starts encoding a file with `setup` in a thread (a kept idle one, or a new one). */
  static start(setup: EncoderSetup): ParquetEncoder {
    const encoder = new ParquetEncoder(threads.take());
    encoder.post({ kind: 'start', setup });
    return encoder;
  }

  /** The thread's next reply, in order. */
  next(): Promise<EncoderReply> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Hands over the next batch, as an Arrow IPC stream (its buffer is transferred). */
  send(ipc: Uint8Array): void {
    const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
    this.post({ kind: 'batch', ipc: own }, [own.buffer as ArrayBuffer]);
  }

  /** Tells the writer there are no more batches. */
  end(): void {
    this.post({ kind: 'end' });
  }

  /** Lets the thread go (idempotent): kept for the next file after a finished one, otherwise stopped. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (thread === undefined) return;
    thread.off('message', this.onMessage).off('error', this.onError).off('exit', this.onExit);
    if (this.isDone) threads.keep(thread);
    else await thread.terminate();
  }

  private post(request: EncoderRequest, transfer: ArrayBuffer[] = []): void {
    this.thread?.postMessage(request, transfer);
  }

  private readonly push = (reply: EncoderReply): void => {
    if (reply.kind === 'done') this.isDone = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) waiting(reply);
    else this.replies.push(reply);
  };

  private readonly onMessage = (reply: EncoderReply) => this.push(reply);
  private readonly onError = (err: Error) => this.push({ kind: 'failed', message: `the Parquet encoder thread crashed: ${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` });
  private readonly onExit = (code: number) => this.push({ kind: 'failed', message: `the Parquet encoder thread stopped (exit code ${code})` });
}

/** The encoding thread kept between files (see {@link IdleThread}). */
const threads = new IdleThread(() => startWorkerThread(import.meta.url, 'parquet-encoder-worker'));
