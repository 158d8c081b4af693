import type { IHeaders, Message } from 'kafkajs';
import type { DeadLetterReason, InputRecord } from './record-codec.js';

/** Header names on dead-letter records (values are UTF-8 strings). */
export const DLQ_HEADERS = {
  /** Stable reason code, see {@link DeadLetterReason}. */
  reason: 'latentflow.reason',
  /** Human explanation: the field, what was expected and received. */
  detail: 'latentflow.detail',
  sourceTopic: 'latentflow.source.topic',
  sourcePartition: 'latentflow.source.partition',
  sourceOffset: 'latentflow.source.offset',
  /** The source record's timestamp (ms since the epoch). */
  sourceTimestamp: 'latentflow.source.timestamp',
} as const;

/** A dead-letter record: the original key and value bytes, the original headers plus the reason and source. */
export function deadLetterMessage(record: InputRecord, reason: DeadLetterReason, detail: string): Message {
  const headers: IHeaders = {
    ...(record.headers ?? {}),
    [DLQ_HEADERS.reason]: reason,
    [DLQ_HEADERS.detail]: detail,
    [DLQ_HEADERS.sourceTopic]: record.topic,
    [DLQ_HEADERS.sourcePartition]: String(record.partition),
    [DLQ_HEADERS.sourceOffset]: record.offset,
    [DLQ_HEADERS.sourceTimestamp]: record.timestamp,
  };
  return { key: toBuffer(record.key), value: toBuffer(record.value), headers };
}

/** Needles for {@link takenField}: each field name as the JSON key text `"name"`, encoded once. */
export function fieldNeedles(names: readonly string[]): Buffer[] {
  return names.map((name) => Buffer.from(JSON.stringify(name), 'utf8'));
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * The first of `names` that the JSON object `value` already has as a top-level field, or undefined. A byte
 * search for the `needles` (from {@link fieldNeedles}, same order as `names`) comes first, so a record is
 * parsed only when one of the names occurs somewhere in its bytes (in a nested object or a string value it
 * is no collision). `value` must be a JSON object (the decoder checked that).
 */
export function takenField(value: Buffer, names: readonly string[], needles: readonly Uint8Array[]): string | undefined {
  if (!needles.some((needle) => value.indexOf(needle) >= 0)) return undefined;
  const parsed = JSON.parse(value.toString('utf8')) as object;
  return names.find((name) => Object.hasOwn(parsed, name));
}

/**
 * The JSON object `value` with `fields` (JSON text `"name":json,...`) appended, as bytes. The original
 * bytes are kept as they are (key order, spacing, number spelling) and the fields are spliced in before the
 * closing brace, so no record is parsed or re-serialised a second time. The caller has made sure the object
 * has none of the fields at its top level ({@link takenField}, or the decoder saw the parsed object); a
 * value that does not end in `}` takes the slow path: parse, assign, serialise.
 */
export function spliceJsonFields(value: Buffer, fields: string): Buffer {
  const bytes = value;
  let end = bytes.length - 1;
  while (end >= 0 && isSpace(bytes[end])) end--;
  if (end < 0 || bytes[end] !== 0x7d) return reserialised(bytes, fields);
  let before = end - 1;
  while (before >= 0 && isSpace(bytes[before])) before--;
  const isEmpty = bytes[before] === 0x7b;
  const tail = `${isEmpty ? '' : ','}${fields}}`;
  const out = Buffer.allocUnsafe(end + Buffer.byteLength(tail));
  bytes.copy(out, 0, 0, end);
  out.write(tail, end, 'utf8');
  return out;
}

/** Slow path: parse, assign, serialise (a JSON object with trailing bytes the splice cannot place). */
function reserialised(bytes: Buffer, fields: string): Buffer {
  const obj = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  // defineProperty, not assignment: assigning a field named `__proto__` would set the prototype instead.
  for (const [name, v] of Object.entries(JSON.parse(`{${fields}}`) as Record<string, unknown>)) {
    Object.defineProperty(obj, name, { value: v, writable: true, enumerable: true, configurable: true });
  }
  return Buffer.from(JSON.stringify(obj), 'utf8');
}

/** A Buffer view of `bytes` (no copy), as kafkajs expects. */
export function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
