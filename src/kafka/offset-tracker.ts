/**
 * Which consumed offsets may be committed: the bookkeeping behind "a batch's offsets are committed only
 * after all its outputs are acknowledged", with batches acknowledged out of order and partitions moving
 * between group members. Pure logic (no Kafka client), so it is tested alone.
 *
 * A *ticket* is one batch handed to the pipeline. For every topic-partition it holds, it covers all offsets
 * after the previous ticket's last one up to `coverTo` (records the feed skipped or sent to a dead-letter
 * topic included). A ticket is *settled* when every output of the batch is acknowledged; it may need
 * several acknowledgements (`parts`: the sink's and the dead-letter producer's). The commit point of a
 * partition is `coverTo + 1` of the last ticket in the longest settled prefix of its tickets, in take
 * order: an offset is never committed while an earlier one is still in flight.
 *
 * Partitions carry an *epoch*, bumped when the partition is assigned anew. A ticket settling for an epoch
 * that is gone (the partition was revoked meanwhile) commits nothing: the new owner re-reads from the last
 * commit, and the records this member produced after it are the at-least-once duplicates, counted in
 * `handedOver`.
 */

import type { AckHandle } from '../contract/acks.js';
import { SettledPrefix } from '../contract/settled-prefix.js';

/** A topic-partition and the offset to commit for it (the next one to read, Kafka's convention). */
export interface CommitOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** What one ticket holds of one partition. */
export interface TicketPart {
  topic: string;
  partition: number;
  /** Highest offset the ticket covers in this partition. */
  coverTo: bigint;
  /** Records of this partition in the ticket (for duplicate accounting). */
  count: number;
}

/** One ticket's share of one partition: the position in that partition's settled prefix. */
interface Entry {
  coverTo: bigint;
  count: number;
}

interface PartitionState {
  topic: string;
  partition: number;
  epoch: number;
  /** Tickets of this epoch in take order; commits the longest settled prefix (contract/settled-prefix.ts). */
  prefix: SettledPrefix<Entry>;
  /** Next offset after the settled prefix; null before anything settled. */
  settledNext: bigint | null;
  /** Settled tickets not yet covered by a confirmed commit: their next offset and record count. */
  settledUncommitted: { next: bigint; count: number }[];
  /** Last offset committed (the next to read), as confirmed by the broker; null when unknown. */
  committed: bigint | null;
  /** Highest offset handed to the pipeline in this epoch; -1 before any. */
  highestTaken: bigint;
}

interface Ticket {
  id: number;
  parts: { key: string; epoch: number; handle: AckHandle }[];
  pending: number;
}

/** Counters for metrics and logs. */
export interface TrackerStats {
  /** Tickets handed out and not settled yet. */
  inFlightTickets: number;
  /** Records this member produced (or will produce) whose offsets it could not commit before losing the partition. */
  handedOver: number;
}

/** The key of a topic-partition in maps. */
export function tpKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly tickets = new Map<number, Ticket>();
  private nextTicket = 1;
  private epochs = 0;
  private handedOver = 0;

  /**
   * Applies a new assignment (a group generation). Partitions no longer assigned are dropped and their
   * uncommitted records counted as handed over; new ones start a new epoch; retained ones keep their
   * state (tickets in flight for them still commit). Returns the revoked and newly added keys.
   */
  assign(assignment: readonly { topic: string; partition: number }[]): { revoked: string[]; added: string[]; retained: string[] } {
    const next = new Set(assignment.map((a) => tpKey(a.topic, a.partition)));
    const revoked: string[] = [];
    const retained: string[] = [];
    const added: string[] = [];
    for (const [key, state] of this.partitions) {
      if (next.has(key)) continue;
      revoked.push(key);
      this.handedOver += state.settledUncommitted.reduce((n, e) => n + e.count, 0) + state.prefix.pending().reduce((n, e) => n + e.count, 0);
      this.partitions.delete(key);
    }
    for (const { topic, partition } of assignment) {
      const key = tpKey(topic, partition);
      if (this.partitions.has(key)) {
        retained.push(key);
        continue;
      }
      added.push(key);
      const state: PartitionState = {
        topic,
        partition,
        epoch: ++this.epochs,
        prefix: new SettledPrefix<Entry>((last, passed) => {
          state.settledNext = last.coverTo + 1n;
          for (const e of passed) state.settledUncommitted.push({ next: e.coverTo + 1n, count: e.count });
        }),
        settledNext: null,
        settledUncommitted: [],
        committed: null,
        highestTaken: -1n,
      };
      this.partitions.set(key, state);
    }
    return { revoked, added, retained };
  }

  /** True while `topic`/`partition` is assigned. */
  isAssigned(topic: string, partition: number): boolean {
    return this.partitions.has(tpKey(topic, partition));
  }

  /** Highest offset handed out in the current epoch of the partition (-1 when none or not assigned). */
  highestTaken(topic: string, partition: number): bigint {
    return this.partitions.get(tpKey(topic, partition))?.highestTaken ?? -1n;
  }

  /**
   * Registers a batch: its parts per partition, in the order the records were read. Parts of partitions
   * not assigned are ignored (their records belong to a previous generation). `pending` is the number of
   * acknowledgements the ticket needs (at least 1). Returns the ticket id.
   */
  take(parts: readonly TicketPart[], pending = 1): number {
    const id = this.nextTicket++;
    const ticket: Ticket = { id, parts: [], pending: Math.max(1, pending) };
    for (const p of parts) {
      const key = tpKey(p.topic, p.partition);
      const state = this.partitions.get(key);
      if (state === undefined) continue;
      const handle = state.prefix.next({ coverTo: p.coverTo, count: p.count });
      if (p.coverTo > state.highestTaken) state.highestTaken = p.coverTo;
      ticket.parts.push({ key, epoch: state.epoch, handle });
    }
    this.tickets.set(id, ticket);
    return id;
  }

  /** Adds acknowledgements a ticket must wait for (e.g. its dead-letter records). */
  addPending(id: number, n: number): void {
    const t = this.tickets.get(id);
    if (t !== undefined) t.pending += n;
  }

  /**
   * One acknowledgement of ticket `id`; when it was the last one, the ticket is settled. Returns true when
   * some partition's commit point moved.
   */
  settle(id: number): boolean {
    const t = this.tickets.get(id);
    if (t === undefined) return false;
    if (--t.pending > 0) return false;
    this.tickets.delete(id);
    let moved = false;
    for (const part of t.parts) {
      const state = this.partitions.get(part.key);
      // A ticket of a partition revoked meanwhile (its epoch gone) commits nothing: the new owner re-reads.
      if (state?.epoch !== part.epoch) continue;
      const before = state.settledNext;
      part.handle.settle();
      if (state.settledNext !== before) moved = true;
    }
    return moved;
  }

  /** Forgets a ticket whose outputs will never be acknowledged (its offsets, and every later one of its partitions, then never commit). */
  abandon(id: number): void {
    const t = this.tickets.get(id);
    this.tickets.delete(id);
    for (const part of t?.parts ?? []) part.handle.fail(new Error(`ticket ${id} abandoned`));
  }

  /** Offsets to commit now: every assigned partition whose settled prefix is ahead of its last commit. */
  commitable(): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const s of this.partitions.values()) {
      if (s.settledNext !== null && (s.committed === null || s.settledNext > s.committed)) {
        out.push({ topic: s.topic, partition: s.partition, offset: s.settledNext.toString() });
      }
    }
    return out;
  }

  /** Records a commit the broker confirmed. Offsets of partitions revoked meanwhile are ignored. */
  committed(offsets: readonly CommitOffset[]): void {
    for (const o of offsets) {
      const s = this.partitions.get(tpKey(o.topic, o.partition));
      if (s === undefined) continue;
      const at = BigInt(o.offset);
      if (s.committed === null || at > s.committed) s.committed = at;
      const committedAt = s.committed;
      s.settledUncommitted = s.settledUncommitted.filter((e) => e.next > committedAt);
    }
  }

  /** True when no ticket is in flight and every settled offset is committed. */
  isIdle(): boolean {
    return this.tickets.size === 0 && this.commitable().length === 0;
  }

  /** Tickets handed out and not settled. */
  inFlight(): number {
    return this.tickets.size;
  }

  stats(): TrackerStats {
    return { inFlightTickets: this.tickets.size, handedOver: this.handedOver };
  }
}
