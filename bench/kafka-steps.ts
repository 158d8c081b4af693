/**
 * The monitor worker's own per-record CPU cost, without Kafka: its pipeline (src/monitor/monitor-spec.ts)
 * on the bench's pump records, one batch at a time, timed per step in microseconds per record (CPU), plus
 * the share of wall time in garbage collection. The steps are the pipeline's own: kafka-source's decode
 * (JSON parse and feature fields) and Arrow build, each transform stage (score, threshold), and
 * kafka-sink's output encoding.
 *
 * Comparing versions of the code end to end, with a broker, is bench/kafka-throughput.ts --refs.
 *
 * Run: `npx tsx bench/kafka-steps.ts [--batch-rows 2000] [--batches 100] [--rounds 3]`
 * (needs the model that bench/kafka-throughput.ts fits into .cache/bench-kafka/model).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import type { RecordBatch } from 'apache-arrow';
import { loadDetector } from '../src/artifact/model-dir.js';
import { toMessages, type KafkaSinkParams } from '../src/connectors/kafka-sink.js';
import { AckService } from '../src/contract/acks.js';
import { ModelSlots } from '../src/contract/model-slots.js';
import type { Transform } from '../src/contract/stage.js';
import { kafkaColumns, toRecordBatch } from '../src/kafka/record-batch.js';
import { decodeRecords, featureMapping, type InputRecord } from '../src/kafka/record-codec.js';
import { monitorSpec } from '../src/monitor/monitor-spec.js';
import { stageContext } from '../src/pipeline/runner.js';
import { selectBackend } from '../src/runtime/backend.js';
import { silentLogger } from '../src/runtime/logger.js';
import { noProgress } from '../src/runtime/progress.js';

const ROOT = path.resolve(import.meta.dirname, '..');
function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}
const BATCH_ROWS = Number(arg('batch-rows', '2000'));
const BATCHES = Number(arg('batches', '100'));
const ROUNDS = Number(arg('rounds', '3'));
const MODEL = path.join(ROOT, '.cache/bench-kafka/model');

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  await selectBackend('auto');
  const detector = await loadDetector(MODEL);
  const features = detector.features;
  detector.dispose();
  const lines = (await readFile(path.join(ROOT, 'data/quickstart/new.csv'), 'utf8')).trim().split('\n');
  const head = lines[0].split(',');
  const base = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const o: Record<string, unknown> = {};
    head.forEach((h, i) => (o[h] = i >= 2 && i <= 9 ? Number(cells[i]) : cells[i]));
    return o;
  });
  const batches: InputRecord[][] = Array.from({ length: 8 }, (_, b) =>
    Array.from({ length: BATCH_ROWS }, (_, r): InputRecord => {
      const i = b * BATCH_ROWS + r;
      const key = `m-${i}`;
      return {
        topic: 'in',
        partition: i % 6,
        offset: String(i),
        timestamp: String(Date.now()),
        key: Buffer.from(key),
        value: Buffer.from(JSON.stringify({ ...base[i % base.length], id: key, sent_at: Date.now() })),
        headers: {},
      };
    }),
  );
  const spec = monitorSpec({ brokers: ['127.0.0.1:9'], topic: 'in', groupId: 'bench', model: MODEL }, { features, codeWidth: 0 });
  const models = new ModelSlots();
  const run = { signal: new AbortController().signal, logger: silentLogger(), progress: noProgress, models, acks: new AckService() };
  const stages = spec.stages.map((s) => ({ id: s.id, stage: s.definition.create(s.params, stageContext(spec, s, run)) as Transform }));
  // One batch through one stage: its generator is fed that batch alone, so each stage's time is its own.
  const through = async (t: Transform, batch: RecordBatch) => {
    for await (const out of t.transform((async function* () { yield batch; })())) return out;
    throw new Error('a monitor stage dropped a batch');
  };
  const mapping = featureMapping(features);
  const names = kafkaColumns();
  const sinkParams = spec.sink.params as KafkaSinkParams;
  const steps = ['decode', 'arrow', ...stages.map((s) => s.id), 'encode'];
  const step = async (records: InputRecord[], times: number[]) => {
    let c = cpuUs();
    const lap = (k: number) => {
      const now = cpuUs();
      times[k] += now - c;
      c = now;
    };
    const decoded = decodeRecords(records, mapping);
    lap(0);
    let batch = toRecordBatch(records, decoded, mapping, names, new Map());
    lap(1);
    for (let k = 0; k < stages.length; k++) {
      batch = await through(stages[k].stage, batch);
      lap(2 + k);
    }
    toMessages(batch, sinkParams, names);
    lap(steps.length - 1);
  };
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const warm = new Array<number>(steps.length).fill(0);
  for (let i = 0; i < 20; i++) await step(batches[i % batches.length], warm);
  const n = BATCHES * BATCH_ROWS;
  const rows: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const times = new Array<number>(steps.length).fill(0);
    gcMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < BATCHES; i++) await step(batches[i % batches.length], times);
    const wallMs = performance.now() - t0;
    const total = times.reduce((a, t) => a + t, 0);
    rows.push(`| ${round + 1} | ${(total / n).toFixed(2)} | ${((wallMs * 1000) / n).toFixed(2)} | ${times.map((t) => (t / n).toFixed(2)).join(' | ')} | ${((gcMs * 1000) / n).toFixed(2)} | ${os.loadavg()[0].toFixed(1)} |`);
    console.error(rows.at(-1));
  }
  obs.disconnect();
  for (const s of stages) await s.stage.close();
  await models.dispose();
  process.stdout.write(
    [
      `\`npx tsx bench/kafka-steps.ts ${process.argv.slice(2).join(' ')}\`: the monitor pipeline on batches of ${BATCH_ROWS} pump records, ${BATCHES} per round; CPU microseconds per record.`,
      '',
      `| round | CPU us/record | wall us/record | ${steps.join(' | ')} | GC (wall) | load |`,
      `|---|---|---|${steps.map(() => '---|').join('')}---|---|`,
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
