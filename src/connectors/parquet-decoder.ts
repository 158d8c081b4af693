import type { Worker } from 'node:worker_threads';
import { tableFromIPC, type Schema, type Table } from 'apache-arrow';
import type { DecoderReply, DecoderRequest, DecoderSetup } from './parquet-protocol.js';
import { IdleThread, startWorkerThread } from './worker-thread.js';

/**
 * How decoding failed: parquet-wasm returned an error (`footer`, `read`), the decoder crashed (`crash`: a
 * panic in the wasm code, which parquet-wasm 0.8 raises as an uncaught exception outside the promise it
 * returned, so in the caller's thread the read would never settle), or it gave no answer in time
 * (`timeout`).
 */
export class DecoderFailure extends Error {
  constructor(
    readonly phase: 'footer' | 'read' | 'crash' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'DecoderFailure';
  }
}

/**
 * The decoding thread kept between files (see {@link IdleThread}); a thread that crashed, stalled or was
 * stopped mid-read is never kept.
 */
const threads = new IdleThread(() => startWorkerThread(import.meta.url, 'parquet-worker'));

/**
 * A Parquet file decoded by parquet-wasm in a worker thread, one row group per request. The thread is the
 * fault boundary: a damaged page can crash the wasm decoder (an `unreachable` trap that escapes its promise
 * and leaves the module's state unusable), and a crashed or stalled thread is terminated and reported here
 * as a {@link DecoderFailure} instead of taking the process down or hanging it. It also takes decoding off
 * the thread that runs the pipeline.
 */
export class ParquetDecoder {
  /** A request is in flight, so the thread cannot be handed back on close. */
  private busy = false;
  private thread: Worker | undefined;

  private constructor(
    thread: Worker,
    private readonly timeoutMs: number,
    /** Row groups in the file. */
    readonly groups: number,
    /** The file's Arrow schema. */
    readonly schema: Schema,
  ) {
    this.thread = thread;
  }

  /** Hands the file to a thread and reads its footer; rejects with a DecoderFailure. */
  static async open(setup: DecoderSetup, timeoutMs: number): Promise<ParquetDecoder> {
    const thread = threads.take();
    const transfer = setup.bytes !== undefined ? [setup.bytes.buffer as ArrayBuffer] : [];
    let reply: DecoderReply;
    try {
      reply = await exchange(thread, { kind: 'open', setup }, timeoutMs, transfer);
    } catch (err) {
      await thread.terminate();
      throw err;
    }
    if (reply.kind !== 'opened') {
      // parquet-wasm refused the footer: an error it returned, so the thread is sound.
      threads.keep(thread);
      throw unexpected(reply);
    }
    return new ParquetDecoder(thread, timeoutMs, reply.groups, tableFromIPC(reply.schema).schema);
  }

  /** Decodes row group `group` into Arrow batches of at most the setup's `batchSize` rows. */
  async read(group: number): Promise<Table> {
    if (this.thread === undefined) throw new DecoderFailure('crash', 'the decoder is closed');
    this.busy = true;
    let reply: DecoderReply;
    try {
      reply = await exchange(this.thread, { kind: 'read', group }, this.timeoutMs);
    } catch (err) {
      this.thread = undefined; // crashed or terminated by the watchdog
      throw err;
    }
    this.busy = false;
    if (reply.kind !== 'group' || reply.group !== group) throw unexpected(reply);
    return tableFromIPC(reply.ipc);
  }

  /** Lets the file go (idempotent). A read in progress is abandoned with its thread. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (thread === undefined) return;
    if (this.busy) {
      await thread.terminate();
      return;
    }
    try {
      const reply = await exchange(thread, { kind: 'release' }, this.timeoutMs);
      if (reply.kind === 'released') return threads.keep(thread);
    } catch {
      // fall through: a thread that cannot let its file go is not reused
    }
    await thread.terminate();
  }
}

function unexpected(reply: DecoderReply): DecoderFailure {
  return reply.kind === 'failed' ? new DecoderFailure(reply.phase, reply.message) : new DecoderFailure('crash', `unexpected reply ${reply.kind}`);
}

/** Posts `request` and settles on the thread's next message, crash, exit or silence (then it is terminated). */
function exchange(thread: Worker, request: DecoderRequest, timeoutMs: number, transfer: ArrayBuffer[] = []): Promise<DecoderReply> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      thread.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    const onMessage = (reply: DecoderReply) => {
      done();
      resolve(reply);
    };
    const onError = (err: Error) => {
      done();
      reject(new DecoderFailure('crash', `the decoder crashed: ${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`));
    };
    const onExit = (code: number) => {
      done();
      reject(new DecoderFailure('crash', `the decoder stopped (exit code ${code})`));
    };
    const timer = setTimeout(() => {
      done();
      void thread.terminate();
      reject(new DecoderFailure('timeout', `the decoder gave no result in ${timeoutMs} ms`));
    }, timeoutMs);
    thread.on('message', onMessage).on('error', onError).on('exit', onExit);
    thread.postMessage(request, transfer);
  });
}
