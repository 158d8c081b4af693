/**
 * What kafkajs alone can do on this machine, with no JSON, no Arrow and no model: the ceiling for a
 * `latentflow monitor` worker, measured rather than claimed.
 *
 * 1. produce-only: `--messages` pump-telemetry records (~270-byte JSON values, keys `m-<i>`, built before the
 *    clock starts) sent with the monitor's producer settings (idempotent, acks -1 from all replicas, one
 *    request in flight per broker) in `sendBatch` requests of `--request-rows`, with kafkajs'
 *    DefaultPartitioner and with latentflow's allocation-free copy of it (same partitions).
 *    Also once with GZIP compression (the one codec kafkajs brings; it runs in Node's zlib thread pool, whose
 *    CPU `process.cpuUsage` counts too), to see whether compressing pays for itself on this path.
 * 2. consume-only: a consumer group reads those records back (`eachBatch`, manual resolve, nothing done).
 * 3. pass-through: consume -> produce every record unchanged to another topic -> commit after the
 *    acknowledgement, two batches in flight: a monitor worker minus parsing, scoring and encoding.
 *
 * Each phase reports records/s (wall clock) and CPU microseconds per record of this process (user + system,
 * `process.cpuUsage`): on a shared machine wall-clock rates depend on the other processes, the CPU cost per
 * record much less; 1e6 / (us per record) is what one dedicated core could do. The broker runs on the same
 * cores and its CPU is not counted here. Load average printed before and after.
 *
 * Run: `npx tsx bench/kafka-client-ceiling.ts [--messages 100000] [--request-rows 500,2000] [--repeats 2]`
 * (starts the local broker with scripts/kafka/broker.sh if needed). Prints a Markdown table.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CompressionTypes, Kafka, logLevel, Partitioners, type ICustomPartitioner, type Message } from 'kafkajs';
import { fastDefaultPartitioner } from '../src/kafka/partitioner.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BROKERS = [`127.0.0.1:${process.env.LATENTFLOW_KAFKA_PORT ?? 9092}`];
const PARTITIONS = 6;

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined && !process.argv[at + 1].startsWith('--') ? process.argv[at + 1] : fallback;
}
const MESSAGES = Number(arg('messages', '100000'));
const REQUEST_ROWS = arg('request-rows', '500,2000').split(',').map(Number);
const REPEATS = Number(arg('repeats', '2'));

const kafka = new Kafka({ clientId: 'latentflow-ceiling', brokers: BROKERS, logLevel: logLevel.NOTHING });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

async function ensureBroker(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts/kafka/broker.sh'), 'start'], { stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`broker.sh start exited ${code}`))));
  });
}

/** The bench's records: rows of data/quickstart/new.csv as JSON with a unique id, ~270 bytes each. */
async function records(n: number): Promise<Message[]> {
  const lines = (await readFile(path.join(ROOT, 'data/quickstart/new.csv'), 'utf8')).trim().split('\n');
  const head = lines[0].split(',');
  const base = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const o: Record<string, unknown> = {};
    head.forEach((h, i) => (o[h] = i >= 2 && i <= 9 ? Number(cells[i]) : cells[i]));
    return o;
  });
  return Array.from({ length: n }, (_, i) => {
    const key = `m-${i}`;
    return { key: Buffer.from(key), value: Buffer.from(JSON.stringify({ ...base[i % base.length], id: key, sent_at: Date.now() })) };
  });
}

async function createTopics(names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
  } catch {
    for (let i = 0; i < 60; i++) {
      const meta = await admin.fetchTopicMetadata({ topics: names }).catch(() => undefined);
      if (meta?.topics.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0))) break;
      await sleep(500);
    }
  }
  await admin.disconnect();
}

async function deleteTopics(names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: names }).catch(() => undefined);
  await admin.disconnect();
}

interface Measure {
  phase: string;
  variant: string;
  perSec: number;
  cpuUsPerRecord: number;
}

/** Wall time and this process's CPU time of `fn`, per record. */
async function measure(phase: string, variant: string, n: number, fn: () => Promise<void>): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const m = { phase, variant, perSec: (n * 1000) / wallMs, cpuUsPerRecord: (cpu.user + cpu.system) / n };
  console.error(`  ${phase} ${variant}: ${Math.round(m.perSec)} records/s, ${m.cpuUsPerRecord.toFixed(1)} us CPU/record (load ${load()})`);
  return m;
}

/** The monitor's producer settings (src/kafka/producer.ts). */
function producer(partitioner: ICustomPartitioner) {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: partitioner, retry: { retries: Number.MAX_SAFE_INTEGER } });
}

async function produceOnly(topic: string, messages: Message[], requestRows: number, partitioner: ICustomPartitioner, label: string, compression = CompressionTypes.None): Promise<Measure> {
  const p = producer(partitioner);
  await p.connect();
  try {
    return await measure('produce-only', `${label}, ${requestRows} records/request`, messages.length, async () => {
      for (let i = 0; i < messages.length; i += requestRows) {
        await p.sendBatch({ topicMessages: [{ topic, messages: messages.slice(i, i + requestRows) }], acks: -1, compression });
      }
    });
  } finally {
    await p.disconnect();
  }
}

async function consumeOnly(topic: string, n: number): Promise<Measure> {
  const consumer = kafka.consumer({ groupId: `ceiling-c-${Date.now().toString(36)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  await consumer.run({
    autoCommit: true,
    eachBatch: async ({ batch }) => {
      if (seen === 0) {
        // The clock starts at the first record: the group join is not part of the rate.
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      }
      seen += batch.messages.length;
      if (seen >= n) done();
    },
  });
  await finished;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await consumer.disconnect();
  const m = { phase: 'consume-only', variant: 'eachBatch, maxBytesPerPartition 1 MiB', perSec: (n * 1000) / wallMs, cpuUsPerRecord: (cpu.user + cpu.system) / n };
  console.error(`  consume-only: ${Math.round(m.perSec)} records/s, ${m.cpuUsPerRecord.toFixed(1)} us CPU/record (load ${load()})`);
  return m;
}

/**
 * consume -> produce unchanged -> commit after ack, batches of `batchRows` formed across partitions, at most
 * two batches in flight: the monitor's delivery loop without any work of its own.
 */
async function passThrough(input: string, output: string, n: number, batchRows: number): Promise<Measure> {
  const consumer = kafka.consumer({ groupId: `ceiling-p-${Date.now().toString(36)}`, maxWaitTimeInMs: 100 });
  const p = producer(fastDefaultPartitioner);
  await p.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let seen = 0;
  let acked = 0;
  let buffer: Message[] = [];
  let offsets = new Map<number, string>();
  const inFlight = new Set<Promise<void>>();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  const flush = async () => {
    const messages = buffer;
    const commit = [...offsets].map(([partition, offset]) => ({ topic: input, partition, offset }));
    buffer = [];
    offsets = new Map();
    const sent = p.sendBatch({ topicMessages: [{ topic: output, messages }], acks: -1 }).then(async () => {
      await consumer.commitOffsets(commit);
      acked += messages.length;
      if (acked >= n) done();
    });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    while (inFlight.size >= 2) await Promise.race(inFlight);
  };
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (seen === 0) {
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      }
      for (const m of batch.messages) buffer.push({ key: m.key, value: m.value });
      offsets.set(batch.partition, (BigInt(batch.lastOffset()) + 1n).toString());
      seen += batch.messages.length;
      if (buffer.length >= batchRows || seen >= n) await flush();
    },
  });
  await finished;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await consumer.disconnect();
  await p.disconnect();
  const m = { phase: 'pass-through', variant: `consume -> produce -> commit, batches of ${batchRows}`, perSec: (n * 1000) / wallMs, cpuUsPerRecord: (cpu.user + cpu.system) / n };
  console.error(`  pass-through ${batchRows}: ${Math.round(m.perSec)} records/s, ${m.cpuUsPerRecord.toFixed(1)} us CPU/record (load ${load()})`);
  return m;
}

async function main(): Promise<void> {
  await ensureBroker();
  const loadBefore = load();
  console.error(`load average before: ${loadBefore}`);
  const messages = await records(MESSAGES);
  const bytes = messages.reduce((s, m) => s + (m.value as Buffer).length + (m.key as Buffer).length, 0);
  const results: Measure[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const name = `ceiling-${Date.now().toString(36)}`;
    const topics = [`${name}-a`, `${name}-b`, `${name}-out`];
    await createTopics(topics);
    // Warm-up (JIT, connections, metadata): 10,000 records, not measured.
    await produceOnly(topics[2], messages.slice(0, 10_000), 2000, fastDefaultPartitioner, 'warm-up');
    // Alternate the variants so that a change in load hits both.
    for (const rows of REQUEST_ROWS) {
      results.push(await produceOnly(topics[0], messages, rows, Partitioners.DefaultPartitioner, 'kafkajs DefaultPartitioner'));
      results.push(await produceOnly(topics[1], messages, rows, fastDefaultPartitioner, 'latentflow murmur2 partitioner'));
    }
    const largest = Math.max(...REQUEST_ROWS);
    results.push(await produceOnly(topics[2], messages, largest, fastDefaultPartitioner, 'latentflow murmur2 partitioner + GZIP', CompressionTypes.GZIP));
    results.push(await consumeOnly(topics[0], MESSAGES * REQUEST_ROWS.length));
    results.push(await passThrough(topics[1], topics[2], MESSAGES * REQUEST_ROWS.length, 2000));
    await deleteTopics(topics);
  }
  const lines = [
    `\`npx tsx bench/kafka-client-ceiling.ts ${process.argv.slice(2).join(' ')}\`: kafkajs 2.2.4, ${MESSAGES.toLocaleString('en')} records of ${Math.round(bytes / MESSAGES)} bytes (key + value) per produce run, ${PARTITIONS} partitions, ${REPEATS} repeats; load average ${loadBefore} before, ${load()} after.`,
    '',
    '| phase | variant | records/s (wall) | CPU us/record | records/s per dedicated core (1e6 / CPU us) |',
    '|---|---|---|---|---|',
    ...results.map((m) => `| ${m.phase} | ${m.variant} | ${Math.round(m.perSec)} | ${m.cpuUsPerRecord.toFixed(1)} | ${Math.round(1e6 / m.cpuUsPerRecord)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
