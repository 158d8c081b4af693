/**
 * End-to-end throughput and latency of `latentflow monitor` on the local Kafka broker
 * (scripts/kafka/broker.sh, started here if it is not running):
 *
 * 1. Throughput: a backlog of `--messages` pump-telemetry records (JSON, ~270 bytes, rows of
 *    data/quickstart/new.csv with unique keys) on a 6-partition topic; 1 or 2 worker processes in one
 *    group score it; records/s = backlog / time from the first to the last scored record, read from the
 *    scored topic's offsets. Each batch size in `--batch-rows` is tried with one worker; the best one is
 *    used for two workers.
 * 2. Latency: an empty topic, the workers running, records produced at a fixed rate with their send time
 *    in the JSON (`sent_at`); a reader takes `now - sent_at` from the scored records: produce -> scored
 *    output, p50 / p99.
 * 3. Where the time goes: the workers' own step timers (JSON parse, Arrow build, model, output encoding)
 *    and, with `--profile`, a V8 CPU profile of the single worker bucketed by module (kafkajs consume,
 *    kafkajs produce, GC, ...).
 *
 * 4. CPU per record: each worker's own CPU time (user + system, from /proc) from joining the group to the
 *    end of the run, divided by the records it scored: on a shared machine this is steadier than records/s,
 *    and 1e6 / (us per record) is what one dedicated core would do.
 *
 * Run: `npx tsx bench/kafka-throughput.ts [--messages 150000] [--batch-rows 500,1000,2000,4000]
 * [--rates 2000,5000 | --latency-fractions 0.5] [--latency-seconds 20] [--latency-batch-rows 1000]
 * [--latency-only | --no-latency] [--profile] [--repeats 1] [--refs worktree,before=HEAD] [--out file]`. Workers run a private tsc build of the CLI
 * (.cache/bench-kafka/dist); `--refs` compares builds of git tree-ishes (`worktree` = the files as they are)
 * in alternation, so that a change of load hits each alike. `--latency-fractions` offers that fraction of
 * the measured backlog rate (of the same worker count, first ref) instead of fixed `--rates`.
 * Writes bench/results/kafka.md (or `--out`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { saveDetector } from '../src/artifact/model-dir.js';
import { csvSource } from '../src/connectors/csv-source.js';
import type { Detector } from '../src/models/detector.js';
import { AckService } from '../src/contract/acks.js';
import { ModelSlots } from '../src/contract/model-slots.js';
import { selectBackend } from '../src/runtime/backend.js';
import { silentLogger } from '../src/runtime/logger.js';
import { noProgress } from '../src/runtime/progress.js';
import { autoencoderFit } from '../src/stages/autoencoder-fit.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CACHE = path.join(ROOT, '.cache/bench-kafka');
const BROKERS = [`127.0.0.1:${process.env.LATENTFLOW_KAFKA_PORT ?? 9092}`];
const PARTITIONS = 6;

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined && !process.argv[at + 1].startsWith('--') ? process.argv[at + 1] : fallback;
}
const MESSAGES = Number(arg('messages', '150000'));
const BATCH_ROWS = arg('batch-rows', '500,1000,2000,4000').split(',').map(Number);
const RATES = arg('rates', '2000,5000').split(',').map(Number);
const LATENCY_SECONDS = Number(arg('latency-seconds', '20'));
/** Batch size for the latency runs: at a steady rate batches close by linger time, so it matters little. */
const LATENCY_BATCH_ROWS = Number(arg('latency-batch-rows', '1000'));
const SKIP_THROUGHPUT = process.argv.includes('--latency-only');
/** Code versions: `label=tree-ish` or a bare tree-ish (its own label); `worktree` = the files as they are. */
const REF_SPECS = arg('refs', 'worktree')
  .split(',')
  .map((spec) => (spec.includes('=') ? { label: spec.slice(0, spec.indexOf('=')), treeish: spec.slice(spec.indexOf('=') + 1) } : { label: spec, treeish: spec }));
const REFS = REF_SPECS.map((r) => r.label);
const REPEATS = Number(arg('repeats', '1'));
const SKIP_LATENCY = process.argv.includes('--no-latency');
const OUT = arg('out', 'bench/results/kafka.md');
const LATENCY_FRACTIONS = process.argv.includes('--latency-fractions') ? arg('latency-fractions', '0.5').split(',').map(Number) : undefined;
const PROFILE = process.argv.includes('--profile');

const kafka = new Kafka({ clientId: 'latentflow-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ensureBroker(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts/kafka/broker.sh'), 'start'], { stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`broker.sh start exited ${code}`))));
  });
}

/** Fits the pump autoencoder on data/quickstart/train.csv once (cached under .cache/bench-kafka/model). */
async function model(): Promise<string> {
  const dir = path.join(CACHE, 'model');
  if (existsSync(path.join(dir, 'latentflow.json'))) return dir;
  await selectBackend();
  const ctx = { stageId: 'fit', signal: new AbortController().signal, drain: new AbortController().signal, logger: silentLogger(), seed: 1, progress: noProgress, models: new ModelSlots(), acks: new AckService(), baseDir: ROOT };
  const source = csvSource.create(csvSource.params.parse({ path: 'data/quickstart/train.csv' }), ctx);
  const fit = autoencoderFit.create(
    autoencoderFit.params.parse({ exclude: [], features: ['temperature', 'pressure', 'vibration', 'flow', 'current', 'rpm', 'power', 'noise_db'], model: { hiddenUnits: [32, 16], codeSize: 3, epochs: 60 }, threshold: { method: 'contamination', value: 0.01 } }) as never,
    ctx,
  );
  for await (const _ of fit.transform(source.batches() as AsyncIterable<RecordBatch>)) {
    // rows pass through
  }
  await saveDetector(dir, await ctx.models.get<Detector>('fit'));
  await fit.close();
  await source.close();
  return dir;
}

/** Pump rows of data/quickstart/new.csv as JSON objects (without the label column). */
async function rows(): Promise<Record<string, unknown>[]> {
  const lines = (await readFile(path.join(ROOT, 'data/quickstart/new.csv'), 'utf8')).trim().split('\n');
  const head = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const o: Record<string, unknown> = {};
    head.forEach((h, i) => (o[h] = i >= 2 && i <= 9 ? Number(cells[i]) : cells[i]));
    return o;
  });
}

function message(base: Record<string, unknown>[], i: number, sentAt?: number): Message {
  const key = `m-${i}`;
  return { key, value: JSON.stringify({ ...base[i % base.length], id: key, ...(sentAt !== undefined ? { sent_at: sentAt } : {}) }) };
}

async function topics(name: string): Promise<{ input: string; scored: string }> {
  const admin = kafka.admin();
  await admin.connect();
  const all = [name, `${name}.scored`, `${name}.anomalies`, `${name}.dead-letter`];
  try {
    await admin.createTopics({ topics: all.map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
  } catch {
    // kafkajs' leader wait can give up on a busy broker while the topics are being created: poll instead.
    for (let i = 0; i < 60; i++) {
      const meta = await admin.fetchTopicMetadata({ topics: all }).catch(() => undefined);
      if (meta?.topics.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0))) break;
      await sleep(500);
    }
  }
  await admin.disconnect();
  return { input: name, scored: `${name}.scored` };
}

async function deleteTopics(name: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [name, `${name}.scored`, `${name}.anomalies`, `${name}.dead-letter`] }).catch(() => undefined);
  await admin.disconnect();
}

/** The Kafka version the broker script runs (LATENTFLOW_KAFKA_VERSION or its default). */
function brokerVersion(): string {
  return execFileSync('bash', [path.join(ROOT, 'scripts/kafka/broker.sh'), 'version'], { encoding: 'utf8' }).trim();
}

async function size(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

interface WorkerRun {
  stop(): Promise<{ code: number | null; metrics: Record<string, unknown> | undefined; stderr: string }>;
  /** The worker's CPU time so far (us). */
  cpu(): Promise<number>;
  ready: Promise<void>;
  /** The log tail when the worker has exited on its own, else undefined. */
  died(): string | undefined;
}

/**
 * Compiles the CLI of `ref` (tsc, as `npm run build` does), so workers run plain JavaScript like an
 * installed latentflow: `worktree` builds the files as they are into .cache/bench-kafka/dist; a git tree-ish
 * is exported (`git archive`) into .cache/bench-kafka/tree-<n>/ and built there (node_modules resolve to
 * the repository's).
 */
async function buildCli(ref: string, n: number): Promise<string> {
  let base = ROOT;
  let out = path.join(CACHE, 'dist');
  if (ref !== 'worktree') {
    base = path.join(CACHE, `tree-${n}`);
    out = path.join(base, 'dist');
    await rm(base, { recursive: true, force: true });
    await mkdir(base, { recursive: true });
    await run('bash', ['-c', `git archive ${JSON.stringify(ref)} src data/quickstart tsconfig.json tsconfig.build.json package.json | tar -x -C ${JSON.stringify(base)}`], ROOT);
  }
  await rm(out, { recursive: true, force: true });
  // Type errors elsewhere in a work tree still emit JavaScript; only a missing entry point is fatal.
  await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(base, 'tsconfig.build.json'), '--outDir', out], base).catch(() => undefined);
  if (ref === 'worktree') await writeFile(path.join(CACHE, 'package.json'), await readFile(path.join(ROOT, 'package.json')));
  const bin = path.join(out, 'cli/bin.js');
  if (!existsSync(bin)) throw new Error(`tsc did not produce ${bin}`);
  return bin;
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** CPU time (user + system) of a process so far, in microseconds, from /proc (Linux; 0 elsewhere). */
async function cpuUs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; after the name they are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

function worker(cliBin: string, topic: string, group: string, modelDir: string, batchRows: number, profileDir?: string): WorkerRun {
  const node = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), cliBin];
  const child = spawn(
    process.execPath,
    [...node, 'monitor', '--brokers', BROKERS.join(','), '--topic', topic, '--group', group, '--model', modelDir, '--from-beginning', '--batch-rows', String(batchRows), '--metrics-interval-ms', '0', '--json', '--log-level', 'info'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('"monitor consuming"')) onReady();
  });
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      hasExited = true;
      resolve(code);
    }),
  );
  return {
    ready,
    cpu: () => cpuUs(child.pid),
    died: () => (hasExited ? stderr.split('\n').slice(-5).join('\n') : undefined),
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      let metrics: Record<string, unknown> | undefined;
      try {
        metrics = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
      } catch {
        metrics = undefined;
      }
      return { code, metrics, stderr };
    },
  };
}

async function produceBacklog(topic: string, base: Record<string, unknown>[], n: number): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < n; i += 2000) {
    const messages: Message[] = [];
    for (let j = i; j < Math.min(n, i + 2000); j++) messages.push(message(base, j));
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
  return (n * 1000) / (performance.now() - started);
}

interface ThroughputResult {
  ref: string;
  workers: number;
  /** Worker CPU (user + system) per record scored, from joining the group to the end (us). */
  cpuUsPerRecord: number;
  batchRows: number;
  perSec: number;
  profile?: Record<string, number>;
}

async function throughput(ref: string, cliBin: string, modelDir: string, base: Record<string, unknown>[], workers: number, batchRows: number): Promise<ThroughputResult> {
  const name = `bench-tp-${Date.now().toString(36)}`;
  const t = await topics(name);
  const produceRate = await produceBacklog(t.input, base, MESSAGES);
  console.error(`  backlog of ${MESSAGES} produced at ${Math.round(produceRate)} records/s`);
  const profileDir = PROFILE && workers === 1 ? path.join(CACHE, `prof-${REFS.indexOf(ref)}-${batchRows}`) : undefined;
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  const crew = Array.from({ length: workers }, () => worker(cliBin, t.input, `bench-${name}`, modelDir, batchRows, profileDir));
  await Promise.all(crew.map((w) => w.ready));
  const cpuStart = await Promise.all(crew.map((w) => w.cpu()));
  let first: { at: number; n: number } | undefined;
  let last = { at: performance.now(), n: 0 };
  // The last poll that still saw nothing scored: the start when the whole drain falls between two polls.
  let none = last.at;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const dead = crew.map((w) => w.died()).find((d) => d !== undefined);
    if (dead !== undefined || Date.now() > deadline) throw new Error(`a worker stopped or the run timed out:\n${dead ?? ''}`);
    const n = await size(t.scored);
    const at = performance.now();
    if (n === 0) none = at;
    if (first === undefined && n > 0) first = { at, n };
    last = { at, n };
    if (n >= MESSAGES) break;
    await sleep(100);
  }
  const cpuEnd = await Promise.all(crew.map((w) => w.cpu()));
  const cpuUsPerRecord = cpuEnd.reduce((sum, c, i) => sum + c - cpuStart[i], 0) / MESSAGES;
  await Promise.all(crew.map((w) => w.stop()));
  await deleteTopics(name);
  // Two polls inside the drain give the rate between them. With two workers the whole backlog was once
  // scored between two polls (first poll with records = last), and the rate printed as NaN (0 / 0); then
  // the drain is timed from the last poll that saw none, a lower bound.
  const perSec = first !== undefined && last.at > first.at && last.n > first.n ? ((last.n - first.n) * 1000) / (last.at - first.at) : (last.n * 1000) / (last.at - none);
  const profile = profileDir ? await profileBuckets(profileDir) : undefined;
  return { ref, workers, batchRows, perSec, cpuUsPerRecord, profile };
}

/** Self time of a V8 CPU profile, bucketed by what the code belongs to (percent of samples). */
async function profileBuckets(dir: string): Promise<Record<string, number>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return {};
  // The biggest file is the main thread (a second, small one can come from a loader thread).
  const sizes = await Promise.all(files.map(async (f) => ({ f, n: (await readFile(path.join(dir, f))).length })));
  const main = sizes.sort((x, y) => y.n - x.n)[0].f;
  const prof = JSON.parse(await readFile(path.join(dir, main), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time in Node's own buffer and stream code counts for whoever called it (kafkajs' encoder, ours).
  const owner = (id: number): string => {
    let at: number | undefined = id;
    const own = bucket(byId.get(id)!.callFrame.functionName, byId.get(id)!.callFrame.url);
    while (at !== undefined) {
      const n = byId.get(at)!;
      const b = bucket(n.callFrame.functionName, n.callFrame.url);
      if (b !== NODE_CORE && b !== OTHER) return b;
      at = parent.get(at);
    }
    return own;
  };
  const buckets: Record<string, number> = {};
  let busy = 0;
  let all = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    all += dt;
    const b = owner(id);
    if (b === IDLE || b === STARTUP) return;
    busy += dt;
    buckets[b] = (buckets[b] ?? 0) + dt;
  });
  // Shares of the CPU time spent working (not waiting, not loading modules at startup).
  for (const k of Object.keys(buckets)) buckets[k] = Math.round((1000 * buckets[k]) / busy) / 10;
  buckets['(busy share of the whole profile, %)'] = Math.round((1000 * busy) / all) / 10;
  return buckets;
}

const IDLE = 'idle';
const STARTUP = 'startup';
const NODE_CORE = 'Node core (buffers, sockets, timers) not called from the above';
const OTHER = 'other';

function bucket(fn: string, url: string): string {
  if (fn === '(idle)') return IDLE;
  if (/internal\/modules|cjs-module-lexer|source_map|compileSourceTextModule|wrapSafe/.test(`${url} ${fn}`)) return STARTUP;
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)') return 'V8 / native (program)';
  if (/kafkajs\/src\/(producer|protocol\/requests\/produce|protocol\/recordBatch\/v0\/index|protocol\/recordBatch\/record\/v0\/index|protocol\/recordBatch\/crc32C|protocol\/encoder|utils\/long)/.test(url)) return 'kafkajs produce (encode, partition, CRC)';
  if (/kafkajs\/src\/(consumer|protocol\/requests\/fetch|protocol\/decoder|protocol\/recordBatch\/(v0\/decoder|record\/v1\/decoder|record\/v0\/decoder))/.test(url)) return 'kafkajs consume (fetch, decode)';
  if (url.includes('kafka/partitioner') || url.includes('kafka/producer')) return 'kafkajs produce (encode, partition, CRC)';
  if (url.includes('kafkajs')) return 'kafkajs other (network, requests)';
  if (url.includes('record-codec')) return 'JSON parse + feature read';
  if (url.includes('apache-arrow') || url.includes('record-batch') || url.includes('io/batch') || url.includes('io/features')) return 'Arrow build / read';
  if (url.includes('tfjs') || url.includes('models/')) return 'model (scaler + TensorFlow.js)';
  if (url.includes('output-codec') || url.includes('scored-messages') || url.includes('csv-types')) return 'output encoding';
  if (url.includes('pino') || url.includes('sketches-js') || url.includes('monitor/') || url.includes('consumer-feed') || url.includes('offset-tracker')) return 'monitor loop, metrics, logs';
  if (url.startsWith('node:') || url === '' || fn === '(root)') return NODE_CORE;
  return OTHER;
}

interface LatencyResult {
  ref: string;
  workers: number;
  batchRows: number;
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  count: number;
  /** The workers' own view: record timestamp until its outputs are acknowledged, p50 / p99 (worst worker). */
  workerP50: number | null;
  workerP99: number | null;
}

async function latency(ref: string, cliBin: string, modelDir: string, base: Record<string, unknown>[], workers: number, batchRows: number, rate: number): Promise<LatencyResult> {
  const name = `bench-lat-${Date.now().toString(36)}`;
  const t = await topics(name);
  const crew = Array.from({ length: workers }, () => worker(cliBin, t.input, `bench-${name}`, modelDir, batchRows));
  await Promise.all(crew.map((w) => w.ready));
  await sleep(1000);
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: `reader-${name}`, maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic: t.scored, fromBeginning: true });
  const now = () => performance.timeOrigin + performance.now();
  await reader.run({
    eachBatch: async ({ batch }) => {
      const at = now();
      for (const m of batch.messages) {
        const sentAt = (JSON.parse(m.value!.toString()) as { sent_at: number }).sent_at;
        latencies.push(at - sentAt);
      }
    },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const total = rate * LATENCY_SECONDS;
  const tickMs = 20;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    // Behind schedule (a busy machine), the backlog goes out in requests of at most 1,000 records.
    const due = Math.min(total, sent + 1000, Math.floor(((performance.now() - started) * rate) / 1000) + Math.ceil((rate * tickMs) / 1000));
    const messages: Message[] = [];
    for (; sent < due; sent++) messages.push(message(base, sent, now()));
    if (messages.length > 0) await producer.send({ topic: t.input, messages, acks: -1 });
    const next = started + ((sent / rate) * 1000);
    await sleep(Math.max(0, next - performance.now()));
  }
  const achieved = (total * 1000) / (performance.now() - started);
  const deadline = Date.now() + 60_000;
  while (latencies.length < total && Date.now() < deadline) await sleep(100);
  await producer.disconnect();
  await reader.disconnect();
  const stopped = await Promise.all(crew.map((w) => w.stop()));
  await deleteTopics(name);
  const own = stopped.map((r) => r.metrics?.endToEndLatencyMs as { p50: number | null; p99: number | null } | undefined);
  for (const r of stopped) {
    // Where a worker's latency goes: received -> acknowledged per batch, and the broker's acknowledgement alone.
    console.error(`  worker: batch received -> acked ${JSON.stringify(r.metrics?.batchLatencyMs)}, produce ack ${JSON.stringify(r.metrics?.produceAckMs)}, batches ${String(r.metrics?.batches)}`);
  }
  const worst = (k: 'p50' | 'p99') => (own.some((q) => q?.[k] != null) ? Math.max(...own.map((q) => q?.[k] ?? 0)) : null);
  // The first second includes the groups settling; measure the steady state.
  const steady = latencies.slice(Math.min(latencies.length - 1, rate)).sort((a, b) => a - b);
  const q = (p: number) => steady[Math.min(steady.length - 1, Math.floor(p * steady.length))];
  return { ref, workers, batchRows, rate, achieved: Math.round(achieved), p50: Math.round(q(0.5)), p99: Math.round(q(0.99)), max: Math.round(steady.at(-1) ?? 0), count: latencies.length, workerP50: worst('p50'), workerP99: worst('p99') };
}

async function main(): Promise<void> {
  const analyze = process.argv.indexOf('--analyze');
  if (analyze >= 0) {
    // Re-read the CPU profiles of an earlier run: `--analyze .cache/bench-kafka/prof-2000`.
    for (const [k, v] of Object.entries(await profileBuckets(process.argv[analyze + 1])).sort((a, b) => b[1] - a[1])) process.stdout.write(`| ${k} | ${v} |\n`);
    return;
  }
  await ensureBroker();
  await mkdir(CACHE, { recursive: true });
  const bins = new Map<string, string>();
  for (const [n, ref] of REF_SPECS.entries()) bins.set(ref.label, await buildCli(ref.treeish, n));
  const modelDir = await model();
  const base = await rows();
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const loadBefore = load();
  console.error(`load average before: ${loadBefore}`);

  const tp: ThroughputResult[] = [];
  const label = (r: { ref: string }) => (REFS.length > 1 ? `${r.ref} ` : '');
  // Alternate the refs for each setting, so that a change of load hits every ref alike.
  for (let repeat = 0; repeat < (SKIP_THROUGHPUT ? 0 : REPEATS); repeat++) {
    for (const b of BATCH_ROWS) {
      for (const ref of REFS) {
        console.error(`throughput, ${ref}, 1 worker, batchRows ${b}`);
        tp.push(await throughput(ref, bins.get(ref)!, modelDir, base, 1, b));
        console.error(`  ${Math.round(tp.at(-1)!.perSec)} records/s, ${tp.at(-1)!.cpuUsPerRecord.toFixed(1)} us CPU/record, load ${load()}`);
      }
    }
  }
  const bestBatch = new Map<string, number>();
  if (!SKIP_THROUGHPUT) {
    // Best batch size: the highest mean rate over the repeats.
    for (const ref of REFS) {
      const mean = (b: number) => {
        const runs = tp.filter((r) => r.ref === ref && r.batchRows === b);
        return runs.reduce((sum, r) => sum + r.perSec, 0) / runs.length;
      };
      bestBatch.set(ref, BATCH_ROWS.reduce((a, b) => (mean(b) > mean(a) ? b : a)));
    }
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const ref of REFS) {
        console.error(`throughput, ${ref}, 2 workers, batchRows ${bestBatch.get(ref)}`);
        tp.push(await throughput(ref, bins.get(ref)!, modelDir, base, 2, bestBatch.get(ref)!));
        console.error(`  ${Math.round(tp.at(-1)!.perSec)} records/s, ${tp.at(-1)!.cpuUsPerRecord.toFixed(1)} us CPU/record, load ${load()}`);
      }
    }
  }

  const lat: LatencyResult[] = [];
  for (const workers of SKIP_LATENCY ? [] : [1, 2]) {
    // Rates: fixed, or a fraction of what this many workers drained (first ref), which they can sustain.
    const runs = tp.filter((r) => r.ref === REFS[0] && r.workers === workers && (workers === 2 || r.batchRows === bestBatch.get(REFS[0])));
    const measured = runs.length > 0 ? runs.reduce((sum, r) => sum + r.perSec, 0) / runs.length : undefined;
    const rates = LATENCY_FRACTIONS !== undefined && measured !== undefined ? LATENCY_FRACTIONS.map((f) => Math.round((f * measured) / 100) * 100) : RATES;
    for (const rate of rates) {
      for (const ref of REFS) {
        console.error(`latency, ${ref}, ${workers} worker(s), ${rate} records/s offered, batchRows ${LATENCY_BATCH_ROWS}`);
        try {
          lat.push(await latency(ref, bins.get(ref)!, modelDir, base, workers, LATENCY_BATCH_ROWS, rate));
          console.error(`  p50 ${lat.at(-1)!.p50} ms, p99 ${lat.at(-1)!.p99} ms, max ${lat.at(-1)!.max} ms, load ${load()}`);
        } catch (error) {
          console.error(`  failed: ${(error as Error).message}`);
        }
      }
    }
  }

  const lines = [
    '## Streaming on Kafka: `latentflow monitor` end to end',
    '',
    `\`npx tsx bench/kafka-throughput.ts ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString().slice(0, 10)}, local broker`,
    `(Apache Kafka ${brokerVersion()}, \`scripts/kafka/broker.sh\`, 6 partitions) on the same 2 cores; load average ${loadBefore} before, ${load()} at the end.`,
    `Pump-telemetry JSON records (~270 bytes, 8 features), autoencoder 8-32-16-3-16-32-8, TensorFlow.js wasm backend.`,
    ...(REFS.length > 1 ? ['', `Code compared: ${REF_SPECS.map((r) => `${r.label} = \`${r.treeish}\``).join(', ')} (runs alternated).`] : []),
    '',
    `| ${REFS.length > 1 ? 'code | ' : ''}workers | batchRows | records/s (backlog drain) | worker CPU us/record | records/s per dedicated core |`,
    `|${REFS.length > 1 ? '---|' : ''}---|---|---|---|---|`,
    ...tp.map(
      (r) =>
        `| ${REFS.length > 1 ? `${r.ref} | ` : ''}${r.workers} | ${r.batchRows} | ${Math.round(r.perSec)} | ${r.cpuUsPerRecord.toFixed(1)} | ${Math.round(1e6 / r.cpuUsPerRecord)} |`,
    ),
    '',
    `records/s: wall clock, all workers together. Worker CPU: user + system time of the worker processes from joining the group to the last record, per record (so per dedicated core = 1e6 / that; the broker's CPU is not in it). With several workers it counts from the moment all of them have joined, and the first may have scored records before, so their CPU per record is a lower bound. Where a record's CPU goes, step by step: bench/kafka-steps.ts.`,
    '',
    `| ${REFS.length > 1 ? 'code | ' : ''}workers | batchRows | offered records/s | achieved | p50 ms | p99 ms | max ms | worker's own p50 / p99 ms |`,
    `|${REFS.length > 1 ? '---|' : ''}---|---|---|---|---|---|---|---|`,
    ...lat.map((r) => `| ${REFS.length > 1 ? `${r.ref} | ` : ''}${r.workers} | ${r.batchRows} | ${r.rate} | ${r.achieved} | ${r.p50} | ${r.p99} | ${r.max} | ${r.workerP50 ?? '-'} / ${r.workerP99 ?? '-'} |`),
    '',
    "Latency: producer send time (in the record) to the scored record read back by the bench, same host clock; the first second is left out. Worker's own: the record's timestamp until the worker's outputs for it were acknowledged (its metrics, whole run; the worst worker), i.e. without the bench reader's fetch and parse.",
  ];
  for (const r of tp.filter((x) => x.profile)) {
    lines.push('', `CPU profile of the single worker, ${label(r)}batchRows ${r.batchRows}: share of its busy time (not idle, not start-up module loading); Node core time is counted for the code that called it:`, '');
    lines.push('| where | % |', '|---|---|');
    for (const [k, v] of Object.entries(r.profile!).sort((a, b) => b[1] - a[1])) lines.push(`| ${k} | ${v} |`);
  }
  const text = `${lines.join('\n')}\n`;
  await mkdir(path.dirname(path.resolve(ROOT, OUT)), { recursive: true });
  await writeFile(path.resolve(ROOT, OUT), text);
  process.stdout.write(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
