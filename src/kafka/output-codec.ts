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

/** Needles for {@link appendJsonFields}: each field name as the JSON key text `"name"`, encoded once. */
export function fieldNeedles(names: readonly string[]): Buffer[] {
  return names.map((name) => Buffer.from(JSON.stringify(name), 'utf8'));
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * The JSON object `value` with `fields` (JSON text `"name":json,...`) appended, as bytes. The original
 * bytes are kept as they are (key order, spacing, number spelling) and the new fields are spliced in before
 * the closing brace, so no record is parsed or re-serialised a second time. When the object already has one
 * of the fields (its `needles`, from {@link fieldNeedles}, occur in the bytes), it is parsed and
 * re-serialised instead, so the new value replaces the old one rather than duplicating the key. `value`
 * must be a JSON object (the decoder checked that).
 */
export function appendJsonFields(value: Uint8Array, fields: string, needles: readonly Uint8Array[]): Buffer {
  const bytes = toBuffer(value)!;
  for (const needle of needles) {
    if (bytes.indexOf(needle) >= 0) return reserialised(bytes, fields);
  }
  return spliceJsonFields(bytes, fields);
}

/**
 * {@link appendJsonFields} for a value known not to have any of the fields at its top level (the decoder
 * saw the parsed object), so the byte search for them is skipped. `isTaken` true takes the slow path.
 */
export function spliceJsonFields(value: Buffer, fields: string, isTaken = false): Buffer {
  const bytes = value;
  if (isTaken) return reserialised(bytes, fields);
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

/** Slow path: parse, assign, serialise (only when a field name is already taken, which should be rare). */
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
