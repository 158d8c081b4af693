import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { ConnectorError } from '../errors.js';
import { META } from '../io/batch-meta.js';
import { kafkaClient, kafkaConnectionParams } from '../kafka/client.js';
import { checkTls } from '../kafka/tls-check.js';
import { feedOptions, KafkaFeed } from '../kafka/consumer-feed.js';
import { deadLetterMessage } from '../kafka/output-codec.js';
import { OutputProducer } from '../kafka/producer.js';
import { kafkaColumns, toRecordBatch } from '../kafka/record-batch.js';
import { decodeRecords, featureMapping, type DeadLetterReason } from '../kafka/record-codec.js';
import { nameRecord } from '../contract/name-record.js';
import { columnKindParam } from '../io/feature-options.js';
import { defineStage, type Source, type StageContext } from '../contract/stage.js';

const TYPE = 'kafka-source';

/**
 * The fields of kafka-source's params, each declared once: `latentflow monitor` takes its consumer options
 * (group, batching, timeouts, field paths) from here, so both read Kafka with the same defaults.
 */
export const kafkaSourceFields = {
  ...kafkaConnectionParams,
  topics: z.array(z.string().min(1)).min(1).describe('Topics to consume (JSON object values)'),
  groupId: z.string().min(1).describe('Consumer group id; members of one group share the partitions, and offsets are committed for it once a batch\'s outputs are acknowledged'),
  features: z.array(z.string().min(1)).min(1).describe('Feature columns to read from each JSON value (in this order; float64 columns unless `kinds` says otherwise)'),
  kinds: nameRecord(columnKindParam)
    .prefault({})
    .describe('Kind per feature not numeric: boolean (bool column), categorical (utf8 column, null kept) or timestamp (timestamp[ms], from ISO 8601 text or epoch ms); a JSON value its kind cannot read is a dead letter (`latentflow monitor` takes these from the model)'),
  fields: nameRecord(z.string().min(1)).prefault({}).describe('Dotted JSON path per feature when it is not the top-level field of the same name'),
  vectorField: z.string().min(1).optional().describe('JSON field holding all features as one array, in feature order (`features`, or the model\'s for the monitor)'),
  deadLetterTopic: z
    .string()
    .min(1)
    .optional()
    .describe('Topic for records that cannot be parsed (original bytes, reason headers); without it such a record fails the run'),
  columnPrefix: z.string().default('').describe('Prefix of the Kafka columns key, topic, partition, offset, timestamp, value'),
  batchRows: z.number().int().positive().default(2000).describe('Records per batch (rows), at most: scored, produced and committed together'),
  // 20 ms, not more: linger only closes a batch when the consumer has caught up (behind, batches fill by
  // count first), and then the wait is pure latency (BENCHMARKS.md, Kafka latency runs).
  lingerMs: z.number().int().min(0).default(20).describe('Longest wait for a batch to fill (ms); bounds the latency added at low rates'),
  maxBufferedRows: z.number().int().positive().optional().describe('Records buffered before fetching pauses (rows; default 4 x batchRows)'),
  fromBeginning: z.boolean().default(false).describe('A group with no committed offset starts at the oldest record (else only new ones)'),
  idleTimeoutMs: z.number().int().min(0).default(0).describe('End the stream after this long without a new record (ms); 0 = run until stopped'),
  maxRows: z.number().int().min(0).default(0).describe('End the stream after this many records (rows); 0 = no limit'),
  sessionTimeoutMs: z.number().int().positive().default(30_000).describe('Group session timeout (ms): a silent member is removed after this long'),
  rebalanceTimeoutMs: z.number().int().positive().default(60_000).describe('Time members get to re-join during a rebalance (ms)'),
  heartbeatIntervalMs: z.number().int().positive().default(3000).describe('Heartbeat interval (ms), at most a third of the session timeout'),
  maxBytesPerPartition: z.number().int().positive().default(1_048_576).describe('Fetch size per partition (bytes)'),
  maxWaitTimeMs: z.number().int().positive().default(500).describe('Longest time a fetch waits at the broker for data (ms)'),
  drainTimeoutMs: z.number().int().positive().default(20_000).describe('Longest wait for batches in flight on shutdown or rebalance (ms)'),
  deliveryTimeoutMs: z.number().int().positive().default(120_000).describe('Longest wait for dead-letter acknowledgements (ms)'),
};

/** Parameters of {@link kafkaSource}. */
const params = z
  .strictObject(kafkaSourceFields)
  .refine((p) => !p.features.some((f) => Object.values(kafkaColumns(p.columnPrefix)).includes(f)), {
    message: 'a feature has the name of a Kafka column (key, topic, partition, offset, timestamp, value); set columnPrefix, e.g. "kafka_"',
  })
  .refine((p) => [...p.kinds.keys()].every((f) => p.features.includes(f)), {
    message: 'kinds names a column that is not in features; add it to features or remove it from kinds',
    path: ['kinds'],
  })
  .refine((p) => p.vectorField === undefined || [...p.kinds.values()].every((k) => k === 'numeric'), {
    message: 'a vectorField holds numbers only; read boolean, categorical and timestamp features from fields of their own (drop vectorField)',
    path: ['kinds'],
  });

/** Validated params of `kafka-source`. */
export type KafkaSourceParams = z.output<typeof params>;

/**
 * Consumes topics as a member of a consumer group and yields Arrow batches: columns key (utf8), topic,
 * partition (int32), offset (int64), timestamp (timestamp[ms]), value (the JSON text) and one column per
 * feature (float64, or by `kinds` bool, utf8 or timestamp[ms]), formed by count (`batchRows`) or time
 * (`lingerMs`). Records whose value is not a JSON object with every feature readable as its kind go to
 * `deadLetterTopic` with the reason in headers.
 *
 * Offsets: a batch's offsets are committed after the sink settled it through the run's acknowledgements
 * (`ctx.acks`: kafka-sink once the broker acknowledged all its records, a file sink once its file is in
 * place) and its dead letters were acknowledged, and only as far as every earlier batch of the partition is
 * settled too. With a sink that settles nothing (null-sink, table-sink) nothing is committed: the next run
 * reads the same records again. The stream runs until the pipeline is stopped or drained (`ctx.drain`: the
 * batches handed out are still written and committed), or ends after `idleTimeoutMs` without records or
 * after `maxRows` records. `stats()` gives the consumer's counters (records, commits, lag, re-deliveries
 * skipped) and the dead letters by reason.
 */
export const kafkaSource = defineStage({
  type: TYPE,
  kind: 'source',
  description: 'Consumes Kafka topics (consumer group, JSON values) as Arrow batches; offsets committed once the sink settles them',
  params,
  isUnbounded: true,
  create(p, ctx): Source {
    let feed: KafkaFeed | undefined;
    let dlq: OutputProducer | undefined;
    let isClosed = false;
    const deadLetters: Partial<Record<DeadLetterReason, number>> = {};
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    return {
      kind: 'source',
      batches: () => {
        if (isClosed) return (async function* () {})();
        const kafka = kafkaClient(p, ctx.logger, undefined, { connector: TYPE, baseDir: ctx.baseDir });
        feed = new KafkaFeed(kafka, feedOptions(TYPE, p.topics, p), ctx.logger);
        if (p.deadLetterTopic !== undefined) dlq = new OutputProducer(kafka, { connector: TYPE, deliveryTimeoutMs: p.deliveryTimeoutMs, logger: ctx.logger });
        return read(p, ctx, feed, dlq, deadLetters, onReady);
      },
      stats: () => ({ ...(feed?.stats() ?? {}), lagByPartition: feed?.lagByPartitionKey() ?? {}, deadLetters: { ...deadLetters } }),
      isReady: () => feed?.isConsuming === true,
      whenReady: () => ready,
      async close() {
        if (isClosed) return;
        isClosed = true;
        // The sink is closed before this source (the runner closes in reverse), so whatever it confirmed
        // is settled by now; what is still in flight was never written and is not waited for.
        await feed?.close(0);
        await dlq?.disconnect();
      },
    };
  },
});

async function* read(
  p: KafkaSourceParams,
  ctx: StageContext,
  feed: KafkaFeed,
  dlq: OutputProducer | undefined,
  deadLetters: Partial<Record<DeadLetterReason, number>>,
  onReady: () => void,
): AsyncGenerator<RecordBatch> {
  const mapping = featureMapping(p.features, p.fields, p.vectorField, p.kinds);
  const names = kafkaColumns(p.columnPrefix);
  const stop = () => feed.stop();
  ctx.signal.addEventListener('abort', stop, { once: true });
  // Draining ends the stream like stopping; the batches already yielded are written and settled, and
  // close() commits them.
  ctx.drain.addEventListener('abort', stop, { once: true });
  if (ctx.drain.aborted) stop();
  let rows = 0;
  try {
    await checkTls(p, { connector: TYPE, baseDir: ctx.baseDir });
    await dlq?.connect();
    await feed.start();
    ctx.logger.info({ topics: p.topics, groupId: p.groupId, batchRows: p.batchRows }, `${TYPE}: consuming ${p.topics.join(', ')} as group ${p.groupId}`);
    onReady();
    for await (const batch of feed.batches()) {
      const decoded = decodeRecords(batch.records, mapping);
      if (decoded.rejected.length > 0) {
        if (dlq === undefined) {
          const bad = decoded.rejected[0];
          const r = batch.records[bad.index];
          feed.abandon(batch.ticket);
          throw new ConnectorError(`${bad.reason}: ${bad.detail}; set deadLetterTopic to route such records aside`, {
            connector: TYPE,
            topic: r.topic,
            partition: r.partition,
            offset: r.offset,
          });
        }
        feed.addPending(batch.ticket, 1);
        for (const x of decoded.rejected) deadLetters[x.reason] = (deadLetters[x.reason] ?? 0) + 1;
        const letters = decoded.rejected.map((x) => deadLetterMessage(batch.records[x.index], x.reason, x.detail));
        dlq.send([{ topic: p.deadLetterTopic!, messages: letters }]).then(
          () => feed.settle(batch.ticket),
          (error: unknown) => {
            ctx.logger.error({ err: error }, `${TYPE}: dead letters not acknowledged; their offsets stay uncommitted`);
            feed.abandon(batch.ticket);
            feed.stop();
          },
        );
      }
      if (decoded.accepted.length === 0) {
        feed.settle(batch.ticket); // nothing for the sink to acknowledge
        continue;
      }
      const { ticket } = batch;
      const rowsOut = toRecordBatch(batch.records, decoded, mapping, names, new Map([[META.topics, p.topics.join(',')]]));
      yield ctx.acks.attach(rowsOut, { settle: () => feed.settle(ticket), fail: () => feed.abandon(ticket) });
      rows += decoded.accepted.length;
      if (p.maxRows > 0 && rows >= p.maxRows) break;
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    ctx.drain.removeEventListener('abort', stop);
    feed.stop();
  }
}
