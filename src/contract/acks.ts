import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { META } from '../io/batch-meta.js';
import { withMetadata } from '../io/batch.js';

/**
 * What a source attaches to a batch whose input it must settle (commit, delete, move on). The service calls
 * exactly one of the two, at most once.
 */
export interface AckHandle {
  /** Every output of the batch is confirmed written: the source may commit what the batch consumed. */
  settle(): void;
  /** The batch's outputs will not be confirmed: the source must not commit it (its input is read again). */
  fail(reason: unknown): void;
}

/**
 * Acknowledgements from sinks back to sources, one service per run (the runner builds it; two runs in one
 * process never see each other's batches).
 *
 * Call order. A source that must commit what it consumed calls {@link attach} on each batch it yields and
 * keeps its own order of commits (kafka-source commits only the settled prefix of each partition); a source
 * with nothing to commit (a file) attaches nothing. A sink calls {@link settle} once a batch's writes are
 * confirmed (kafka-sink: on the broker's ack; file sinks: all batches, after the temp file is renamed into
 * place, see {@link settleOnResolve}) or {@link fail} when they cannot be. Settling a batch that carries no
 * token of this run, or settling it again, does nothing.
 *
 * Transforms. The token rides in the batch's schema metadata (key `latentflow.ack`), so a transform that
 * returns new batches sharing the input's schema metadata (every built-in one, and the stages the README
 * shows) carries it one-to-one without knowing of it. A transform that changes how rows are grouped says so:
 * splitting one batch into several is {@link split} (the input settles when every piece has), merging
 * several into one is {@link merge} (settling the result settles them all), and dropping a whole batch on
 * purpose is {@link settle} (nothing of it is to be written). A batch whose token is lost (a new schema
 * without the input's metadata) is never settled, so its source never commits it: at-least-once, not loss.
 *
 * Batches no sink settles (null-sink, table-sink: nothing written durably) stay unsettled: kafka-source then
 * commits nothing, and the next run reads the same records again.
 */
export class AckService {
  /** Unique per run, so a token that reaches another run's sink matches nothing there. */
  private readonly runId = randomUUID();
  private readonly handles = new Map<string, AckHandle>();
  /** When each token was attached (ms, performance clock), for {@link onSettle}. */
  private readonly attachedAt = new Map<string, number>();
  private nextToken = 1;

  /** `onSettle` hears how long each settled batch took from being attached to being settled (ms). */
  constructor(private readonly onSettle?: (ms: number) => void) {}

  /** `batch` (buffers shared) carrying a new token for `handle`, replacing any token it had. */
  attach(batch: RecordBatch, handle: AckHandle): RecordBatch {
    const token = `${this.runId}/${this.nextToken++}`;
    this.handles.set(token, handle);
    if (this.onSettle !== undefined) this.attachedAt.set(token, performance.now());
    return withMetadata(batch, new Map([...batch.schema.metadata, [META.ack, token]]));
  }

  /** Confirms `batch`'s writes: its source may commit it. No-op for batches without a token of this run. */
  settle(batch: RecordBatch): void {
    const at = this.attachedAt.get(batch.schema.metadata.get(META.ack) ?? '');
    const handle = this.take(batch);
    if (handle === undefined) return;
    if (at !== undefined) this.onSettle?.(performance.now() - at);
    handle.settle();
  }

  /** Reports that `batch`'s writes failed: its source never commits it. No-op like {@link settle}. */
  fail(batch: RecordBatch, reason: unknown): void {
    this.take(batch)?.fail(reason);
  }

  /**
   * The pieces `batch` was split into, each with its own token: `batch` settles once every piece has, and
   * fails as soon as one piece does. Pieces of a batch without a token are returned unchanged.
   */
  split(batch: RecordBatch, pieces: readonly RecordBatch[]): RecordBatch[] {
    const parent = this.take(batch);
    if (parent === undefined) return [...pieces];
    if (pieces.length === 0) {
      parent.settle();
      return [];
    }
    let open = pieces.length;
    let isDone = false;
    const child: AckHandle = {
      settle: () => {
        if (!isDone && --open === 0) {
          isDone = true;
          parent.settle();
        }
      },
      fail: (reason) => {
        if (isDone) return;
        isDone = true;
        parent.fail(reason);
      },
    };
    return pieces.map((piece) => this.attach(piece, child));
  }

  /**
   * `merged` (the rows of `parts`) with one token standing for all of them: settling it settles every part.
   * Without a token among the parts, `merged` is returned as is.
   */
  merge(parts: readonly RecordBatch[], merged: RecordBatch): RecordBatch {
    const handles = parts.map((p) => this.take(p)).filter((h) => h !== undefined);
    if (handles.length === 0) return merged;
    return this.attach(merged, {
      settle: () => handles.forEach((h) => h.settle()),
      fail: (reason) => handles.forEach((h) => h.fail(reason)),
    });
  }

  /**
   * Runs a sink's `write` over `input` and settles every batch it took once `write` resolves (the whole
   * output is committed, e.g. renamed into place), or fails them all when it rejects. Only the tokens are
   * held, not the batches.
   */
  async settleOnResolve<T>(input: AsyncIterable<RecordBatch>, write: (input: AsyncIterable<RecordBatch>) => Promise<T>): Promise<T> {
    const held: AckHandle[] = [];
    const take = (batch: RecordBatch) => this.take(batch);
    const holding = (async function* () {
      for await (const batch of input) {
        const handle = take(batch);
        if (handle !== undefined) held.push(handle);
        yield batch;
      }
    })();
    try {
      const result = await write(holding);
      for (const h of held) h.settle();
      return result;
    } catch (error) {
      for (const h of held) h.fail(error);
      throw error;
    }
  }

  /** Batches attached and neither settled nor failed yet (the runner logs them at the end of a run). */
  unsettled(): number {
    return this.handles.size;
  }

  /** Removes and returns the handle of `batch`'s token, so each token is settled or failed at most once. */
  private take(batch: RecordBatch): AckHandle | undefined {
    const token = batch.schema.metadata.get(META.ack);
    if (token === undefined) return undefined;
    const handle = this.handles.get(token);
    this.handles.delete(token);
    this.attachedAt.delete(token);
    return handle;
  }
}
