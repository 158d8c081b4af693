/**
 * The monitor worker's own per-record CPU cost, without Kafka: the score path of one batch (JSON parse,
 * Arrow build, model, output encoding, src/monitor/score-batch.ts) on the bench's pump records, repeated,
 * timed per step in microseconds per record, plus the share of time in garbage collection.
 *
 * `--src` compares versions of the code in one process, alternating rounds so that a change of load hits
 * each alike: a list of `src` folders (default `src`; e.g. `.cache/bench-kafka/tree-0/src`, which
 * `bench/kafka-throughput.ts --refs HEAD,...` exports). The total CPU per record is measured here around
 * each call; the step split is the code's own (`times`: process CPU in this version, wall clock in older
 * ones).
 *
 * Run: `npx tsx bench/kafka-steps.ts [--batch-rows 2000] [--batches 100] [--rounds 3] [--src src,<other>/src]`
 * (needs the model that bench/kafka-throughput.ts fits into .cache/bench-kafka/model).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { loadDetector } from '../src/artifact/model-dir.js';
import type { FeedBatch } from '../src/kafka/consumer-feed.js';
import { kafkaColumns } from '../src/kafka/record-batch.js';
import { featureMapping, type InputRecord } from '../src/kafka/record-codec.js';
import { outputNames, type scoreBatch as ScoreBatch } from '../src/monitor/score-batch.js';
import { selectBackend } from '../src/runtime/backend.js';

const ROOT = path.resolve(import.meta.dirname, '..');
function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}
const BATCH_ROWS = Number(arg('batch-rows', '2000'));
const BATCHES = Number(arg('batches', '100'));
const ROUNDS = Number(arg('rounds', '3'));
const SRCS = arg('src', 'src').split(',');

async function main(): Promise<void> {
  await selectBackend('auto');
  const detector = await loadDetector(path.join(ROOT, '.cache/bench-kafka/model'));
  const lines = (await readFile(path.join(ROOT, 'data/quickstart/new.csv'), 'utf8')).trim().split('\n');
  const head = lines[0].split(',');
  const base = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const o: Record<string, unknown> = {};
    head.forEach((h, i) => (o[h] = i >= 2 && i <= 9 ? Number(cells[i]) : cells[i]));
    return o;
  });
  const batches: FeedBatch[] = Array.from({ length: 8 }, (_, b) => ({
    ticket: b,
    receivedMs: Date.now(),
    records: Array.from({ length: BATCH_ROWS }, (_, r): InputRecord => {
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
  }));
  const threshold = detector.threshold?.threshold ?? 0;
  const scorer = {
    detector,
    mapping: featureMapping(detector.features),
    // `hasCode` for the older score paths SRCS may name; `outputs` for the current one.
    hasCode: false,
    outputs: outputNames('', 0),
    flag: (s: Float32Array) => Array.from(s, (x) => x > threshold),
  };
  const names = kafkaColumns();
  const topics = { scored: 'out', anomalies: 'anom', deadLetter: 'dlq' };
  const versions = await Promise.all(
    SRCS.map(async (src) => ({ src, scoreBatch: ((await import(path.resolve(ROOT, src, 'monitor/score-batch.ts'))) as { scoreBatch: typeof ScoreBatch }).scoreBatch })),
  );
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const n = BATCHES * BATCH_ROWS;
  const us = (ms: number) => ((ms * 1000) / n).toFixed(2);
  const rows: string[] = [];
  for (const v of versions) for (let i = 0; i < 20; i++) v.scoreBatch(batches[i % batches.length], scorer, names, topics); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of versions) {
      const totals = { parseMs: 0, arrowMs: 0, modelMs: 0, encodeMs: 0 };
      let cpuUs = 0;
      gcMs = 0;
      const t0 = performance.now();
      for (let i = 0; i < BATCHES; i++) {
        const c0 = process.cpuUsage();
        const r = v.scoreBatch(batches[i % batches.length], scorer, names, topics);
        const c = process.cpuUsage(c0);
        cpuUs += c.user + c.system;
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.times[k];
      }
      const wall = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
      rows.push(
        `| ${v.src} | ${round + 1} | ${(cpuUs / n).toFixed(2)} | ${us(wall)} | ${us(totals.parseMs)} | ${us(totals.arrowMs)} | ${us(totals.modelMs)} | ${us(totals.encodeMs)} | ${us(gcMs)} | ${os.loadavg()[0].toFixed(1)} |`,
      );
      console.error(rows.at(-1));
    }
  }
  obs.disconnect();
  process.stdout.write(
    [
      `\`npx tsx bench/kafka-steps.ts ${process.argv.slice(2).join(' ')}\`: batches of ${BATCH_ROWS} pump records, ${BATCHES} per round; microseconds per record.`,
      '',
      '| code | round | CPU us/record | wall us/record | parse | Arrow | model | encode | GC (wall) | load |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
