import type { RecordBatch } from 'apache-arrow';

/**
 * How a `kafka-sink` tells the `kafka-source` of the same pipeline that a batch is written: the source puts
 * `<feed>/<ticket>` in the batch's schema metadata under {@link TICKET_META}; transforms keep schema
 * metadata (they return new batches that share it), the sink calls {@link settleBatch} once the batch's
 * records are acknowledged, and the source commits the batch's offsets. A feed registers itself here while
 * it runs. Batches must flow one-to-one through the transforms between them (every built-in transform
 * does); a transform that merges batches keeps only the first ticket, and the others never commit.
 */
export const TICKET_META = 'latentflow.kafka.ticket';

/** What a feed offers to sinks. */
export interface TicketOwner {
  settle(ticket: number): void;
  abandon(ticket: number): void;
}

const owners = new Map<string, TicketOwner>();
let nextFeed = 1;

/** Registers a feed; returns its id and an unregister function. */
export function registerTicketOwner(owner: TicketOwner): { id: string; unregister: () => void } {
  const id = `${process.pid}.${nextFeed++}`;
  owners.set(id, owner);
  return { id, unregister: () => owners.delete(id) };
}

/** The metadata value for `ticket` of feed `id`. */
export function ticketValue(id: string, ticket: number): string {
  return `${id}/${ticket}`;
}

function resolve(batch: RecordBatch): { owner: TicketOwner; ticket: number } | undefined {
  const value = batch.schema.metadata.get(TICKET_META);
  if (value === undefined) return undefined;
  const at = value.lastIndexOf('/');
  const owner = owners.get(value.slice(0, at));
  const ticket = Number(value.slice(at + 1));
  return owner !== undefined && Number.isInteger(ticket) ? { owner, ticket } : undefined;
}

/** Marks a batch's outputs acknowledged (no-op for batches that did not come from a running kafka-source). */
export function settleBatch(batch: RecordBatch): void {
  const t = resolve(batch);
  t?.owner.settle(t.ticket);
}

/** Marks a batch's outputs failed: its offsets will not be committed. */
export function abandonBatch(batch: RecordBatch): void {
  const t = resolve(batch);
  t?.owner.abandon(t.ticket);
}
