import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Kafka, logLevel, Partitioners, type IHeaders, type Message } from 'kafkajs';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { saveDetector } from '../../src/artifact/model-dir.js';
import type { Detector } from '../../src/models/detector.js';
import { gaussian, seededRandom } from '../../src/models/random.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

/** A topic or group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `lf-${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A kafkajs client for test code (silent). */
export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'latentflow-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
}

/**
 * Creates topics (explicitly: the test broker has auto-creation off) and waits until every partition has a
 * leader. kafkajs' own wait (`waitForLeaders`) sometimes gives up on a busy broker with "This server does
 * not host this topic-partition" although the topic is being created; then the metadata is polled here.
 */
export async function createTopics(kafka: Kafka, topics: string[], numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    try {
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
      return;
    } catch {
      // fall through to polling
    }
    const isReady = await waitFor(async () => {
      try {
        const meta = await admin.fetchTopicMetadata({ topics });
        return meta.topics.every((t) => t.partitions.length === numPartitions && t.partitions.every((p) => p.leader >= 0));
      } catch {
        return false;
      }
    }, 30_000);
    if (!isReady) throw new Error(`topics ${topics.join(', ')} have no leaders after 30 s`);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics, ignoring errors (cleanup). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // cleanup only
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Produces `messages` in chunks with an idempotent producer; resolves when all are acknowledged. */
export async function produce(kafka: Kafka, topic: string, messages: Message[], chunk = 2000): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) await producer.send({ topic, messages: messages.slice(i, i + chunk), acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

/** A record read back from a topic. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads topics from the beginning with a fresh group until `count` records arrived (or `timeoutMs`),
 * then waits `settleMs` more for records beyond it (duplicates); returns them all.
 */
export async function readTopics(kafka: Kafka, topics: string[], count: number, { timeoutMs = 60_000, settleMs = 500 } = {}): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    let reached: () => void = () => undefined;
    const isReached = new Promise<void>((resolve) => (reached = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          out.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString('utf8') ?? null,
            value: m.value?.toString('utf8') ?? null,
            headers: headersOf(m.headers),
          });
        }
        if (out.length >= count) reached();
      },
    });
    if (count > 0) await Promise.race([isReached, sleep(timeoutMs)]);
    await sleep(settleMs);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  return out;
}

/** Records in a topic: the sum of its partitions' high watermarks (exact for non-transactional topics). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offsets on `topic`, summed over partitions (-1 counts as 0). */
export async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns its last answer. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Dimension of the sensor records. */
export const SENSOR_FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];

/** One sensor reading: near a 2-D plane in 6-D, or (injected anomaly) pushed off it in every coordinate. */
export interface SensorRecord {
  id: string;
  f0: number;
  f1: number;
  f2: number;
  f3: number;
  f4: number;
  f5: number;
  injected: boolean;
  site: string;
}

/** `n` seeded sensor records, a fraction `anomalyRate` of them injected anomalies; keys `<prefix>-<i>`. */
export function sensorRecords(n: number, seed: number, anomalyRate: number, prefix = 'k'): SensorRecord[] {
  const random = seededRandom(seed);
  const out: SensorRecord[] = [];
  for (let i = 0; i < n; i++) {
    const a = gaussian(random);
    const b = gaussian(random);
    const injected = random() < anomalyRate;
    const f = SENSOR_FEATURES.map((_, c) => {
      let v = Math.sin(c + 1) * a + Math.cos(2 * c + 1) * b + 0.05 * gaussian(random);
      if (injected) v += (c % 2 === 0 ? 1 : -1) * (2 + random());
      return Math.round(v * 1e6) / 1e6;
    });
    out.push({ id: `${prefix}-${i}`, f0: f[0], f1: f[1], f2: f[2], f3: f[3], f4: f[4], f5: f[5], injected, site: `site-${i % 7}` });
  }
  return out;
}

/** Kafka messages for sensor records: key = id, value = the JSON object. */
export function sensorMessages(records: readonly SensorRecord[]): Message[] {
  return records.map((r) => ({ key: r.id, value: JSON.stringify(r) }));
}

/**
 * Trains a detector on clean sensor rows and saves it to `dir`: an autoencoder (6-8-2-8-6, seeded, a
 * few seconds on the wasm backend) or PCA with k=2. Threshold: the 99.8th percentile of training scores.
 * `calibrationSplit` > 0 holds that share of the 3,000 rows out for calibration scores (p-value rules).
 */
export async function trainSensorModel(
  dir: string,
  kind: 'autoencoder' | 'pca' = 'autoencoder',
  seed = 5,
  threshold: Record<string, unknown> = { method: 'percentile', value: 99.8 },
  calibrationSplit = 0,
): Promise<void> {
  await selectBackend();
  const rows = sensorRecords(3000, seed, 0);
  const columns: Record<string, Float64Array> = {};
  for (const f of SENSOR_FEATURES) columns[f] = Float64Array.from(rows, (r) => r[f as keyof SensorRecord] as number);
  const input = tableFromArrays(columns).batches as unknown as RecordBatch[];
  const ctx = testContext({ stageId: 'fit', seed });
  const stage =
    kind === 'pca'
      ? pcaFit.create(pcaFit.params.parse({ k: 2, threshold, calibrationSplit }) as never, ctx)
      : autoencoderFit.create(autoencoderFit.params.parse({ model: { hiddenUnits: [8], codeSize: 2, epochs: 60, batchSize: 64, learningRate: 0.01 }, threshold, calibrationSplit }) as never, ctx);
  await collect(stage.transform(fromArray(input)));
  const detector = await ctx.models.get<Detector>('fit');
  await saveDetector(dir, detector);
  await stage.close(); // disposes the detector
}

/** The topics of a monitor run named `base`: the input and the default output topics. */
export interface MonitorTopics {
  input: string;
  scored: string;
  anomalies: string;
  deadLetter: string;
}

/** What {@link kafkaSuite} sets up for the tests of one `describe`. */
export interface KafkaSuite {
  /** A kafkajs client for test code (set in beforeAll). */
  readonly kafka: Kafka;
  /** A temporary folder, deleted after all tests. */
  readonly dir: string;
  /** `<dir>/model`, the trained sensor model (when `model` was given). */
  readonly modelDir: string;
  /** Creates the topics of a monitor run named `base`; they are deleted after the test. */
  topicsFor(base: string, partitions: number): Promise<MonitorTopics>;
  /** Creates one topic named after `prefix`; deleted after the test. */
  topic(prefix: string, partitions?: number): Promise<string>;
  /** Deletes these topics after the test too (topics created otherwise). */
  track(...names: string[]): void;
}

/**
 * The setup every Kafka integration suite shares; call it first inside `describe`. beforeAll: a temporary
 * folder, the sensor model trained into `<dir>/model` (`model`: autoencoder or PCA), a test client.
 * afterEach: the test's topics are deleted (vitest runs after-hooks in reverse order, so a suite's own
 * afterEach, registered later, stops its monitors first). afterAll: the folder is deleted.
 */
export function kafkaSuite(brokers: string[], options: { prefix: string; model?: 'autoencoder' | 'pca' }): KafkaSuite {
  let kafka: Kafka | undefined;
  let dir = '';
  let topics: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `latentflow-kafka-${options.prefix}-`));
    if (options.model !== undefined) await trainSensorModel(path.join(dir, 'model'), options.model);
    kafka = testKafka(brokers);
  });
  afterEach(async () => {
    if (kafka !== undefined) await deleteTopics(kafka, topics);
    topics = [];
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  const suite: KafkaSuite = {
    get kafka() {
      if (kafka === undefined) throw new Error('kafkaSuite: the client is set in beforeAll');
      return kafka;
    },
    get dir() {
      return dir;
    },
    get modelDir() {
      return path.join(dir, 'model');
    },
    async topicsFor(base, partitions) {
      const t = { input: base, scored: `${base}.scored`, anomalies: `${base}.anomalies`, deadLetter: `${base}.dead-letter` };
      topics.push(...Object.values(t));
      await createTopics(suite.kafka, Object.values(t), partitions);
      return t;
    },
    async topic(prefix, partitions = 2) {
      const name = uniqueName(prefix);
      topics.push(name);
      await createTopics(suite.kafka, [name], partitions);
      return name;
    },
    track(...names) {
      topics.push(...names);
    },
  };
  return suite;
}
