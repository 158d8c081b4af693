import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import type { Kafka } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kafkaSink } from '../../src/connectors/kafka-sink.js';
import { kafkaSource } from '../../src/connectors/kafka-source.js';
import { META } from '../../src/io/batch-meta.js';
import { DLQ_HEADERS } from '../../src/kafka/output-codec.js';
import { allStages } from '../../src/pipeline/registry.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { definePipeline, validatePipelineValue } from '../../src/pipeline/spec.js';
import type { Sink, Source } from '../../src/contract/stage.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';
import { useBroker } from './broker.js';
import {
  committedTotal,
  produce,
  readTopics,
  SENSOR_FEATURES,
  sensorMessages,
  sensorRecords,
  topicSize,
  trainSensorModel,
  uniqueName,
  waitFor,
  kafkaSuite,
} from './kafka-helpers.js';

/**
 * The stage contract of test/pipeline/contract.test.ts (empty in -> empty out, inputs not mutated, close()
 * twice, resources released on an early stop, same input -> same output), for the stages that need a
 * broker, plus a whole pipeline kafka-source -> score -> threshold -> kafka-sink.
 */
const broker = await useBroker();
const KAFKA_STAGES = ['kafka-source', 'kafka-sink'];

describe.skipIf(!broker.ok)('kafka stage contract (real broker)', () => {
  const brokers = broker.ok ? broker.brokers : [];
  const suite = kafkaSuite(brokers, { prefix: 'contract' });
  const topic = suite.topic;
  let kafka: Kafka;
  let dir: string;

  beforeAll(() => {
    ({ kafka, dir } = suite);
  });

  const source = (t: string, extra: Record<string, unknown> = {}) =>
    kafkaSource.create(
      kafkaSource.params.parse({ brokers, topics: [t], groupId: uniqueName('group'), features: SENSOR_FEATURES, fromBeginning: true, idleTimeoutMs: 1500, batchRows: 100, ...extra }),
      testContext(),
    ) as Source;
  const sink = (t: string) => kafkaSink.create(kafkaSink.params.parse({ brokers, topic: t, scoreColumn: 'f0', flagColumn: 'outlier' }), testContext()) as Sink;

  it('covers every registered kafka stage', () => {
    expect(allStages().map((d) => d.type).filter((type) => type.startsWith('kafka-'))).toEqual(KAFKA_STAGES);
  });

  it('kafka-source: an empty topic gives no batches', async () => {
    const s = source(await topic('empty'));
    try {
      expect(await collect(s.batches())).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('kafka-sink: empty input writes nothing', async () => {
    const t = await topic('empty-out');
    const s = sink(t);
    try {
      expect((await s.write(fromArray([]))).rows).toBe(0);
    } finally {
      await s.close();
    }
    expect(await topicSize(kafka, t)).toBe(0);
  });

  it('kafka-sink: does not mutate its input', async () => {
    const input = planeWithOutliers(300, 6, 11, 100);
    const before = input.map((b) => ({ names: b.schema.fields.map((f) => f.name), f0: numbers(b, 'f0'), meta: [...b.schema.metadata] }));
    const t = await topic('mutate');
    const s = sink(t);
    try {
      await s.write(fromArray(input));
    } finally {
      await s.close();
    }
    input.forEach((b, i) => {
      expect(b.schema.fields.map((f) => f.name)).toEqual(before[i].names);
      expect(numbers(b, 'f0')).toEqual(before[i].f0);
      expect([...b.schema.metadata]).toEqual(before[i].meta);
    });
    // Rows without the Kafka columns are written as JSON objects of all their columns.
    const out = await readTopics(kafka, [t], 300);
    expect(out).toHaveLength(300);
    expect(JSON.parse(out[0].value!)).toHaveProperty('id');
  });

  it('both can be closed twice (also before use)', async () => {
    const t = await topic('close');
    for (const stage of [source(t), sink(t)]) {
      await stage.close();
      await expect(stage.close()).resolves.toBeUndefined();
    }
  });

  it('kafka-source: an early stop leaves the group and commits nothing it did not see written', async () => {
    const t = await topic('early');
    await produce(kafka, t, sensorMessages(sensorRecords(500, 1, 0)));
    const groupId = uniqueName('group');
    const s = source(t, { groupId });
    for await (const batch of s.batches()) {
      expect(batch.numRows).toBeGreaterThan(0);
      break;
    }
    await s.close();
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([groupId]);
    await admin.disconnect();
    expect(groups[0].members).toEqual([]);
    expect(await committedTotal(kafka, groupId, t)).toBe(0);
  });

  it('kafka-sink: a failing input rejects the write, and close() still works after it', async () => {
    const t = await topic('fail');
    const s = sink(t);
    const failing = (async function* () {
      yield planeWithOutliers(10, 1, 1, 10)[0];
      throw new Error('upstream failed');
    })();
    await expect(s.write(failing)).rejects.toThrow('upstream failed');
    await s.close();
  });

  it('kafka-source: the same records give the same batches', async () => {
    const t = await topic('same', 1);
    await produce(kafka, t, sensorMessages(sensorRecords(300, 2, 0)));
    const read = async () => {
      const s = source(t);
      try {
        const out = await collect(s.batches());
        // Each batch names the topics it was read from (the report's header shows them).
        for (const b of out) expect(b.schema.metadata.get(META.topics)).toBe(t);
        return out.map((b: RecordBatch) => b.schema.fields.filter((f) => f.name !== 'timestamp').map((f) => [f.name, Array.from(b.getChild(f.name)!.toArray() as ArrayLike<unknown>, String)]));
      } finally {
        await s.close();
      }
    };
    expect(await read()).toEqual(await read());
  });

  it('runs kafka-source -> score -> threshold -> kafka-sink: outputs acknowledged, then offsets committed; poison to the dead-letter topic', async () => {
    const modelDir = path.join(dir, 'model');
    await trainSensorModel(modelDir, 'pca');
    const input = await topic('pipe-in', 3);
    const scored = await topic('pipe-scored', 3);
    const anomalies = await topic('pipe-anomalies', 3);
    const dead = await topic('pipe-dead', 1);
    const records = sensorRecords(3000, 3, 0.02);
    await produce(kafka, input, [...sensorMessages(records), { key: 'bad', value: '{"f0": "x"}' }]);
    const groupId = uniqueName('group');
    const spec = definePipeline({
      name: 'kafka-pipeline',
      source: { type: 'kafka-source', brokers, topics: [input], groupId, features: SENSOR_FEATURES, deadLetterTopic: dead, fromBeginning: true, idleTimeoutMs: 2000, batchRows: 500 },
      stages: [
        { type: 'score', model: modelDir },
        { type: 'threshold', model: modelDir },
      ],
      sink: { type: 'kafka-sink', brokers, topic: scored, anomaliesTopic: anomalies },
    });
    const summary = await runPipeline(spec);
    expect(summary.rows).toBe(3000);
    const out = await readTopics(kafka, [scored], 3000);
    expect(new Set(out.map((m) => m.key))).toEqual(new Set(records.map((r) => r.id)));
    const flagged = out.filter((m) => (JSON.parse(m.value!) as { is_anomaly: boolean }).is_anomaly).length;
    expect(await topicSize(kafka, anomalies)).toBe(flagged);
    const letters = await readTopics(kafka, [dead], 1);
    expect(letters.map((l) => [l.key, l.headers[DLQ_HEADERS.reason]])).toEqual([['bad', 'non-numeric']]);
    expect(await committedTotal(kafka, groupId, input)).toBe(3001);
  });

  it('kafka-sink never overwrites a field the record already has: a dead letter with the reason, or a failed run naming the field', async () => {
    const modelDir = path.join(dir, 'model-collision');
    await trainSensorModel(modelDir, 'pca');
    const input = await topic('collide-in', 1);
    const scored = await topic('collide-scored', 1);
    const dead = await topic('collide-dead', 1);
    const records = sensorRecords(200, 4, 0);
    const own = JSON.stringify({ ...records[7], score: 'the producer\'s own' });
    await produce(kafka, input, [...sensorMessages(records), { key: 'own', value: own }]);
    const spec = (groupId: string, deadLetterTopic?: string) =>
      definePipeline({
        name: 'kafka-collision',
        source: { type: 'kafka-source', brokers, topics: [input], groupId, features: SENSOR_FEATURES, fromBeginning: true, idleTimeoutMs: 2000, batchRows: 500 },
        stages: [
          { type: 'score', model: modelDir },
          { type: 'threshold', model: modelDir },
        ],
        sink: { type: 'kafka-sink', brokers, topic: scored, ...(deadLetterTopic !== undefined ? { deadLetterTopic } : {}) },
      });
    const groupId = uniqueName('group');
    expect((await runPipeline(spec(groupId, dead))).rows).toBe(201);
    const out = await readTopics(kafka, [scored], 200);
    expect(out.map((m) => m.key)).not.toContain('own');
    const letters = await readTopics(kafka, [dead], 1);
    expect(letters.map((l) => [l.key, l.value, l.headers[DLQ_HEADERS.reason]])).toEqual([['own', own, 'output-collision']]);
    expect(letters[0].headers[DLQ_HEADERS.detail]).toMatch(/already has a field "score".*outputPrefix/);
    expect(await committedTotal(kafka, groupId, input)).toBe(201);
    // Without a dead-letter topic the run fails before producing the batch, naming the record and the field.
    await expect(runPipeline(spec(uniqueName('group')))).rejects.toThrow(/collide-in.*\[0\]@200.*already has a field "score"/);
    expect(await topicSize(kafka, scored)).toBe(200);
  });

  it('a drained run ends cleanly: all it read is produced and committed, nothing more, and the next run of the group reads exactly the rest; its ops endpoint answers over HTTP meanwhile', async () => {
    const modelDir = path.join(dir, 'model-drain');
    await trainSensorModel(modelDir, 'pca');
    const input = await topic('drain-in', 2);
    const scored = await topic('drain-out', 2);
    const records = sensorRecords(6000, 6, 0);
    await produce(kafka, input, sensorMessages(records));
    const groupId = uniqueName('group');
    const spec = (idleTimeoutMs: number) =>
      validatePipelineValue({
        name: 'kafka-drain',
        statsIntervalMs: 50,
        source: { type: 'kafka-source', brokers, topics: [input], groupId, features: SENSOR_FEATURES, fromBeginning: true, idleTimeoutMs, batchRows: 100 },
        stages: [
          { type: 'score', model: modelDir },
          { type: 'threshold', model: modelDir },
        ],
        sink: { type: 'kafka-sink', brokers, topic: scored },
      });
    const drain = new AbortController();
    // The ops endpoint is scraped over HTTP while the run consumes, then the run is drained. No idle
    // timeout: without the drain this run would never end.
    let url = '';
    let scrape: Promise<[number, string]> | undefined;
    const first = await runPipeline(
      { ...spec(0), ops: { port: 0, host: '127.0.0.1' } },
      {
        drain: drain.signal,
        onOpsListening: (u) => (url = u),
        onStats: (s) => {
          // Scrape once the sink has had a write acknowledged and a batch has settled: rows reach the sink
          // before the broker answers, so an earlier scrape could find no acknowledged row yet.
          const acknowledged = Number(s.stages.find((st) => st.type === 'kafka-sink')?.stats?.rowsAcknowledged ?? 0);
          if (acknowledged === 0 || s.settleLatencyMs.count === 0 || scrape !== undefined) return;
          scrape = Promise.all([fetch(`${url}/readyz`).then((r) => r.status), fetch(`${url}/metrics`).then((r) => r.text())]).finally(() => drain.abort());
        },
      },
    );
    const [ready, metrics] = await scrape!;
    expect(ready).toBe(200);
    expect(metrics).toMatch(new RegExp(`^latentflow_kafka_consumer_lag\\{stage="kafka-source",topic="${input}",partition="[01]",pipeline="kafka-drain"\\} \\d+$`, 'm'));
    expect(metrics).toMatch(/^latentflow_stage_value\{stage="kafka-sink",type="kafka-sink",name="rowsAcknowledged",pipeline="kafka-drain"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^latentflow_batch_settle_seconds_bucket\{le="\+Inf",pipeline="kafka-drain"\} [1-9]\d*$/m);
    expect(first.endedBy).toBe('drain');
    expect(first.rows).toBeGreaterThan(0);
    expect(first.rows).toBeLessThan(6000);
    expect(await committedTotal(kafka, groupId, input)).toBe(first.rows);
    expect(await topicSize(kafka, scored)).toBe(first.rows);
    const second = await runPipeline(spec(1500));
    expect(second.endedBy).toBe('input');
    expect(first.rows + second.rows).toBe(6000);
    expect(await committedTotal(kafka, groupId, input)).toBe(6000);
    const out = await readTopics(kafka, [scored], 6000);
    expect(new Set(out.map((m) => m.key))).toEqual(new Set(records.map((r) => r.id)));
  });

  it('drift: a shifted sensor produces one event per drifted window to the alerts topic, acknowledged, naming the sensor', async () => {
    const modelDir = path.join(dir, 'model-drift');
    await trainSensorModel(modelDir, 'pca');
    const alerts = await topic('drift-alerts', 1);
    // 8,000 fresh readings; from row 4,000 on sensor f2 reads 1.0 higher (about one sd of its spread).
    const records = sensorRecords(8000, 12, 0);
    const columns: Record<string, Float64Array> = {};
    for (const f of SENSOR_FEATURES) columns[f] = Float64Array.from(records, (r, i) => (r[f as keyof typeof r] as number) + (f === 'f2' && i >= 4000 ? 1 : 0));
    const spec = definePipeline({
      name: 'kafka-drift',
      source: { type: 'table-source', table: tableFromArrays(columns), batchRows: 500 },
      stages: [
        { type: 'score', model: modelDir },
        { type: 'drift', model: modelDir, windowRows: 1000, alerts: { brokers, topic: alerts } },
      ],
      sink: { type: 'null-sink' },
    });
    const summary = await runPipeline(spec);
    expect(summary.stages.find((st) => st.type === 'drift')?.stats).toMatchObject({ windows: 8, alarms: 4 });
    const events = (await readTopics(kafka, [alerts], 4)).map((m) => JSON.parse(m.value!) as { window: number; features: string[]; type: string });
    expect(events.map((e) => [e.type, e.window, e.features])).toEqual([5, 6, 7, 8].map((w) => ['drift', w, ['f2']]));
  });

  it('latentflow run of a Kafka pipeline: SIGTERM drains it (exit 0, summary says drained, what was produced is committed)', async () => {
    const modelDir = path.join(dir, 'model-cli-drain');
    await trainSensorModel(modelDir, 'pca');
    const input = await topic('cli-drain-in', 1);
    const scored = await topic('cli-drain-out', 1);
    await produce(kafka, input, sensorMessages(sensorRecords(2000, 13, 0)));
    const groupId = uniqueName('group');
    const file = path.join(dir, 'cli-drain.yaml');
    const yaml = [
      'name: cli-drain',
      `source: { type: kafka-source, brokers: [${brokers.join(', ')}], topics: [${input}], groupId: ${groupId}, features: [${SENSOR_FEATURES.join(', ')}], fromBeginning: true, batchRows: 100 }`,
      'stages:',
      `  - { type: score, model: ${modelDir} }`,
      `  - { type: threshold, model: ${modelDir} }`,
      `sink: { type: kafka-sink, brokers: [${brokers.join(', ')}], topic: ${scored} }`,
      '',
    ].join('\n');
    await writeFile(file, yaml);
    const root = path.resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'run', file, '--json'], { cwd: root, env: { ...process.env, LATENTFLOW_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', () => undefined);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // No idle timeout: the run reads until it is stopped.
      expect(await waitFor(async () => (await topicSize(kafka, scored).catch(() => 0)) >= 2000, 90_000)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { endedBy: string; rows: number };
    expect(summary).toMatchObject({ endedBy: 'drain', rows: 2000 });
    expect(await committedTotal(kafka, groupId, input)).toBe(2000);
  });

  it('kafka-source commits once a file sink has its file in place, and nothing with null-sink (the next run reads the records again)', async () => {
    const input = await topic('to-file', 2);
    await produce(kafka, input, sensorMessages(sensorRecords(700, 5, 0)));
    const spec = (groupId: string, sink: Record<string, unknown>) =>
      validatePipelineValue({
        name: 'kafka-to-file',
        source: { type: 'kafka-source', brokers, topics: [input], groupId, features: SENSOR_FEATURES, fromBeginning: true, idleTimeoutMs: 1500, batchRows: 200 },
        sink,
      });
    const nullGroup = uniqueName('group');
    expect((await runPipeline(spec(nullGroup, { type: 'null-sink' }))).rows).toBe(700);
    expect(await committedTotal(kafka, nullGroup, input)).toBe(0);
    expect((await runPipeline(spec(nullGroup, { type: 'null-sink' }))).rows).toBe(700);

    const fileGroup = uniqueName('group');
    const file = path.join(dir, 'to-file.csv');
    expect((await runPipeline(spec(fileGroup, { type: 'csv-sink', path: file }))).rows).toBe(700);
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(701);
    expect(await committedTotal(kafka, fileGroup, input)).toBe(700);
  });
});
