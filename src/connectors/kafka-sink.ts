import { DataType, TimeUnit, type Data, type RecordBatch, type Utf8 } from 'apache-arrow';
import type { TopicMessages } from 'kafkajs';
import { z } from 'zod';
import { ConnectorError } from '../errors.js';
import { kafkaClient, kafkaConnectionParams } from '../kafka/client.js';
import { checkTls } from '../kafka/tls-check.js';
import { deadLetterMessage } from '../kafka/output-codec.js';
import { OutputProducer } from '../kafka/producer.js';
import { kafkaColumns, utf8Bytes } from '../kafka/record-batch.js';
import type { DeadLetterReason } from '../kafka/record-codec.js';
import { encodeScored } from '../kafka/scored-messages.js';
import { LatencySketch } from '../runtime/latency.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';

const TYPE = 'kafka-sink';

/**
 * The fields of kafka-sink's params, each declared once: `latentflow monitor` takes its producer options
 * (batches in flight, delivery timeout) from here.
 */
export const kafkaSinkFields = {
  ...kafkaConnectionParams,
  topic: z.string().min(1).optional().describe('Topic for every row (the scored topic)'),
  anomaliesTopic: z.string().min(1).optional().describe('Topic for the flagged rows only (flagColumn true)'),
  deadLetterTopic: z
    .string()
    .min(1)
    .optional()
    .describe('Topic for rows without a finite score and for records that already have a field named like an output (original bytes, reason headers); without it the former are written with score null and the latter fail the run'),
  scoreColumn: z.string().default('score').describe('Score column, appended to each record'),
  flagColumn: z.string().default('is_anomaly').describe('Boolean flag column, appended; true rows also go to anomaliesTopic'),
  extraColumns: z.array(z.string().min(1)).default([]).describe('More columns to append, e.g. the latent code ["z0", "z1"] or an id (written exactly, as in whole rows)'),
  columnPrefix: z.string().default('').describe('Prefix of the Kafka columns (as in kafka-source): key gives the record key, value the JSON to extend'),
  maxInFlightBatches: z.number().int().positive().default(4).describe('Batches sent and not yet acknowledged (the at-least-once window, with batchRows)'),
  deliveryTimeoutMs: z.number().int().positive().default(120_000).describe('Longest wait for a batch to be acknowledged, retries included (ms); then the run fails'),
};

/** Parameters of {@link kafkaSink}. */
const params = z
  .strictObject(kafkaSinkFields)
  .refine((p) => p.topic !== undefined || p.anomaliesTopic !== undefined, { message: 'set `topic` (every row) and/or `anomaliesTopic` (flagged rows)' });

/** Validated params of `kafka-sink`. */
export type KafkaSinkParams = z.output<typeof params>;

/**
 * Produces each row as a JSON record with an idempotent producer (acks from all in-sync replicas): to
 * `topic` every row, to `anomaliesTopic` the flagged ones, with the key column as key. Rows from
 * `kafka-source` keep their original JSON bytes with score, flag and `extraColumns` appended; other rows
 * become a JSON object of all their columns. A batch is done when every record of it is acknowledged;
 * then it is settled through `ctx.acks`, and the kafka-source that read it commits its offsets. Resolves when the input ends and everything is
 * acknowledged; on error nothing after the failed batch is committed (already produced records stay: Kafka
 * writes cannot be taken back, so the run is at-least-once).
 */
export const kafkaSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Produces rows as JSON to Kafka (all, anomalies only, dead letters); settles each batch once the broker acks it',
  params,
  create(p, ctx): Sink {
    let producer: OutputProducer | undefined;
    let isClosed = false;
    const counts = newCounts();
    const latency = { produceAck: new LatencySketch(), endToEnd: new LatencySketch() };
    return {
      kind: 'sink',
      write(input) {
        if (isClosed) return Promise.reject(new ConnectorError('write() called after close()', { connector: TYPE, topic: p.topic ?? p.anomaliesTopic }));
        producer = new OutputProducer(kafkaClient(p, ctx.logger, undefined, { connector: TYPE, baseDir: ctx.baseDir }), { connector: TYPE, deliveryTimeoutMs: p.deliveryTimeoutMs, logger: ctx.logger });
        return write(p, ctx, input, producer, counts, latency);
      },
      stats: () => ({ ...counts, deadLetters: { ...counts.deadLetters }, latencyMs: { produceAck: latency.produceAck.quantiles(), endToEnd: latency.endToEnd.quantiles() } }),
      async close() {
        isClosed = true;
        // Flushes sends in flight (their batches settle, so the source commits them), then disconnects.
        await producer?.disconnect();
      },
    };
  },
});

/** What kafka-sink has produced so far: rows sent and acknowledged, anomalies, dead letters by reason. */
interface SinkCounts {
  rowsSent: number;
  rowsAcknowledged: number;
  /** Rows acknowledged on `topic` (the scored topic): the acknowledged ones minus the dead letters. */
  rowsWritten: number;
  batchesAcknowledged: number;
  anomalies: number;
  deadLetters: Partial<Record<DeadLetterReason, number>>;
}

function newCounts(): SinkCounts {
  return { rowsSent: 0, rowsAcknowledged: 0, rowsWritten: 0, batchesAcknowledged: 0, anomalies: 0, deadLetters: {} };
}

/**
 * Latencies of the acknowledged batches (ms, whole run): `produceAck` from send to the broker's ack, per
 * batch; `endToEnd` from each record's own timestamp (kafka-source's timestamp column, the producer's
 * CreateTime) to its output's ack, per record.
 */
interface SinkLatency {
  produceAck: LatencySketch;
  endToEnd: LatencySketch;
}

async function write(p: KafkaSinkParams, ctx: StageContext, input: AsyncIterable<RecordBatch>, producer: OutputProducer, counts: SinkCounts, latency: SinkLatency): Promise<SinkSummary> {
  const names = kafkaColumns(p.columnPrefix);
  const target = [p.topic, p.anomaliesTopic].filter(Boolean).join(', ');
  let rows = 0;
  let batches = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const iterator = input[Symbol.asyncIterator]();
  try {
    await checkTls(p, { connector: TYPE, baseDir: ctx.baseDir });
    await producer.connect();
    for (;;) {
      ctx.signal.throwIfAborted();
      const next = await iterator.next();
      if (next.done === true) break;
      const batch = next.value;
      const messages = toMessages(batch, p, names);
      counts.rowsSent += batch.numRows;
      const sentAt = performance.now();
      const sent = producer.send(messages.topics).then(
        () => {
          latency.produceAck.accept(performance.now() - sentAt);
          const timestamps = recordTimestamps(batch, names);
          if (timestamps !== undefined) {
            const now = Date.now();
            for (const ts of timestamps) latency.endToEnd.accept(now - Number(ts));
          }
          counts.rowsAcknowledged += batch.numRows;
          counts.rowsWritten += messages.written;
          counts.batchesAcknowledged++;
          counts.anomalies += messages.anomalies;
          for (const [reason, n] of Object.entries(messages.deadLetters) as [DeadLetterReason, number][]) counts.deadLetters[reason] = (counts.deadLetters[reason] ?? 0) + n;
          ctx.acks.settle(batch);
        },
        (error: unknown) => {
          ctx.acks.fail(batch, error);
          failure ??= error;
        },
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      rows += batch.numRows;
      batches++;
      while (inFlight.size >= p.maxInFlightBatches) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  } catch (error) {
    await iterator.return?.().catch(() => undefined);
    await Promise.all(inFlight);
    throw error;
  }
  ctx.logger.info({ rows, batches, target }, `${TYPE}: wrote ${rows} rows to ${target}`);
  return { rows, batches, target };
}

/** The records kafka-sink produces for `batch` under params `p` (exported for tests without a broker). */
export function toMessages(
  batch: RecordBatch,
  p: KafkaSinkParams,
  names: ReturnType<typeof kafkaColumns>,
): { topics: TopicMessages[]; written: number; anomalies: number; deadLetters: Partial<Record<DeadLetterReason, number>> } {
  // Without a dead-letter topic, rows without a finite score stay in the output with score null.
  const keepUnscorable = p.deadLetterTopic === undefined;
  const encoded = encodeScored(batch, { names, scoreColumn: p.scoreColumn, flagColumn: p.flagColumn, extraColumns: p.extraColumns, keepUnscorable });
  const letters: { row: number; reason: DeadLetterReason; detail: string }[] = encoded.unscorable.map((row) => ({ row, reason: 'score-failed', detail: 'the model gave no finite score' }));
  for (const { row, field } of encoded.collisions) {
    const detail = collisionDetail(field);
    if (p.deadLetterTopic === undefined) {
      const at = sourceRecord(batch, row, names);
      throw new ConnectorError(`record ${at.topic}[${at.partition}]@${at.offset}: ${detail}; or set deadLetterTopic to set such records aside`, { connector: TYPE, topic: at.topic, partition: at.partition, offset: at.offset });
    }
    letters.push({ row, reason: 'output-collision', detail });
  }
  const topics: TopicMessages[] = [];
  if (p.topic !== undefined) topics.push({ topic: p.topic, messages: encoded.scored });
  if (p.anomaliesTopic !== undefined) topics.push({ topic: p.anomaliesTopic, messages: encoded.anomalies });
  if (p.deadLetterTopic !== undefined && letters.length > 0) {
    letters.sort((a, b) => a.row - b.row);
    topics.push({ topic: p.deadLetterTopic, messages: letters.map((l) => deadLetterMessage(sourceRecord(batch, l.row, names), l.reason, l.detail)) });
  }
  const deadLetters: Partial<Record<DeadLetterReason, number>> = {};
  if (p.deadLetterTopic !== undefined) for (const l of letters) deadLetters[l.reason] = (deadLetters[l.reason] ?? 0) + 1;
  return { topics, written: p.topic !== undefined ? encoded.scored.length : 0, anomalies: encoded.anomalies.length, deadLetters };
}

/** Why a record that already has a field named like an output is not written, and the options that fix it. */
function collisionDetail(field: string): string {
  return `the record already has a field "${field}", which ${TYPE}'s output of that name would replace; set outputPrefix on the stage that makes it (outputPrefix: "lf_" writes lf_${field}) and name the prefixed column here (scoreColumn, flagColumn or extraColumns); latentflow monitor does both with --output-prefix`;
}

/** The record timestamps (ms) of a batch from kafka-source, or undefined when it has no such column. */
function recordTimestamps(batch: RecordBatch, names: ReturnType<typeof kafkaColumns>): BigInt64Array | undefined {
  const v = batch.getChild(names.timestamp);
  if (v === null || v.data.length !== 1 || !DataType.isTimestamp(v.type) || v.type.unit !== TimeUnit.MILLISECOND) return undefined;
  const d = v.data[0];
  return d.values instanceof BigInt64Array ? d.values.subarray(d.offset, d.offset + d.length) : undefined;
}

/** The input record behind row `row`, rebuilt from the Kafka columns (for its dead-letter copy). */
function sourceRecord(batch: RecordBatch, row: number, names: ReturnType<typeof kafkaColumns>) {
  const bytes = (name: string) => {
    const v = batch.getChild(name);
    return v === null || v.data.length !== 1 ? null : utf8Bytes(v.data[0] as Data<Utf8>, row);
  };
  const get = (name: string) => batch.getChild(name)?.get(row);
  const key = bytes(names.key);
  const value = bytes(names.value);
  return {
    topic: String(get(names.topic) ?? ''),
    partition: Number(get(names.partition) ?? -1),
    offset: String(get(names.offset) ?? ''),
    timestamp: String(get(names.timestamp) ?? ''),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
  };
}
