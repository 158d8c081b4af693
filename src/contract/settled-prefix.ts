import type { AckHandle } from './acks.js';

/**
 * The commit rule of an ordered source: positions are handed out in order, settled in any order, and only
 * the longest settled prefix is committed, so a position is never committed while an earlier one may still
 * be lost. A failed position is never settled: the prefix stops before it for the rest of the run, and its
 * records and every later one are read again next time (at-least-once).
 *
 * A source makes one handle per batch with {@link next} and gives it to `ctx.acks.attach`. kafka-source
 * applies it per partition (kafka/offset-tracker.ts keeps one per partition and follows partitions moving
 * between consumers).
 */
export class SettledPrefix<P> {
  private readonly queue: { position: P; state: 'open' | 'settled' | 'failed' }[] = [];

  /**
   * @param commit called each time the prefix grows, with its new last position and every position it
   *   grew by, in order.
   */
  constructor(private readonly commit: (position: P, passed: readonly P[]) => void) {}

  /** The handle for the batch that ends at `position` (positions come in the order the batches are read). */
  next(position: P): AckHandle {
    const entry: { position: P; state: 'open' | 'settled' | 'failed' } = { position, state: 'open' };
    this.queue.push(entry);
    return {
      settle: () => {
        if (entry.state !== 'open') return;
        entry.state = 'settled';
        this.advance();
      },
      fail: () => {
        if (entry.state === 'open') entry.state = 'failed';
      },
    };
  }

  /** Positions handed out and not yet committed (open, failed, or settled behind one of those). */
  uncommitted(): number {
    return this.queue.length;
  }

  /** Those positions, in order. */
  pending(): P[] {
    return this.queue.map((e) => e.position);
  }

  private advance(): void {
    const passed: P[] = [];
    while (this.queue.length > 0 && this.queue[0].state === 'settled') passed.push(this.queue.shift()!.position);
    if (passed.length > 0) this.commit(passed[passed.length - 1], passed);
  }
}
