import type { RecordBatch } from 'apache-arrow';
import { ConnectorError } from '../errors.js';
import { Closers } from '../io/closers.js';
import type { Sink, SinkSummary, Source, StageContext } from '../contract/stage.js';

/** Lets a connector's reader or writer see whether `close()` was called and register what it must release. */
export interface Lifecycle {
  closers: Closers;
  isClosed: () => boolean;
}

/**
 * The check a sink makes before each batch it takes: the run was not cancelled (throws the signal's reason)
 * and the sink was not closed meanwhile (a ConnectorError naming the target), so a write never outlives
 * either.
 */
export function checkWritable(signal: AbortSignal, isClosed: () => boolean, connector: string, target: string): void {
  signal.throwIfAborted();
  if (isClosed()) throw new ConnectorError('closed while writing', { connector, path: target });
}

/**
 * A source whose `close()` releases whatever its unfinished iterator still holds (file handles, streams,
 * wasm objects registered on `closers`) and is idempotent.
 */
export function closableSource(read: (life: Lifecycle) => AsyncIterable<RecordBatch>): Source {
  const closers = new Closers();
  let closed = false;
  return {
    kind: 'source',
    batches: () => read({ closers, isClosed: () => closed }),
    async close() {
      closed = true;
      await closers.closeAll();
    },
  };
}

/**
 * A sink whose `close()` discards a write in progress (its temp file) and is idempotent; `write()` after
 * `close()` is refused.
 */
export function closableSink(connector: string, target: string, write: (input: AsyncIterable<RecordBatch>, life: Lifecycle) => Promise<SinkSummary>): Sink {
  const closers = new Closers();
  let closed = false;
  return {
    kind: 'sink',
    write: (input) => {
      if (closed) return Promise.reject(new ConnectorError('write() called after close()', { connector, path: target }));
      return write(input, { closers, isClosed: () => closed });
    },
    async close() {
      closed = true;
      await closers.closeAll();
    },
  };
}

/**
 * A {@link closableSink} whose output is committed as a whole when `write` resolves (a temp file renamed into
 * place, a chart written): then every batch it took is settled through `ctx.acks`, so a source may commit
 * them; when `write` rejects they are failed.
 */
export function fileSink(connector: string, target: string, ctx: StageContext, write: (input: AsyncIterable<RecordBatch>, life: Lifecycle) => Promise<SinkSummary>): Sink {
  return closableSink(connector, target, (input, life) => ctx.acks.settleOnResolve(input, (held) => write(held, life)));
}
