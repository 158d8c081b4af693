import path from 'node:path';
import type { Kafka, Message } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import { DLQ_HEADERS } from '../../src/kafka/output-codec.js';
import type { MetricsSnapshot } from '../../src/monitor/metrics.js';
import { runMonitor } from '../../src/monitor/monitor.js';
import type { MonitorOptionsInput } from '../../src/monitor/options.js';
import { seededRandom } from '../../src/models/random.js';
import { useBroker } from './broker.js';
import {
  committedTotal,
  produce,
  readTopics,
  sensorMessages,
  sensorRecords,
  topicSize,
  uniqueName,
  waitFor,
  kafkaSuite,
  trainSensorModel,
} from './kafka-helpers.js';

const broker = await useBroker();

describe.skipIf(!broker.ok)('monitor on a real broker', () => {
  const brokers = broker.ok ? broker.brokers : [];
  const suite = kafkaSuite(brokers, { prefix: 'monitor', model: 'autoencoder' });
  const topicsFor = suite.topicsFor;
  let dir: string;
  let modelDir: string;
  let kafka: Kafka;
  let running: { stop: AbortController; done: Promise<MetricsSnapshot | undefined> }[] = [];

  beforeAll(() => {
    ({ kafka, modelDir, dir } = suite);
  });

  afterEach(async () => {
    for (const r of running) r.stop.abort();
    await Promise.all(running.map((r) => r.done));
    running = [];
  });

  /** Starts an in-process monitor; it stops when the test ends (or when `stop()` is called). */
  function startMonitor(options: Partial<MonitorOptionsInput> & { topic: string; groupId: string }, onOpsListening?: (url: string) => void) {
    const stop = new AbortController();
    const done = runMonitor({ brokers, model: modelDir, fromBeginning: true, metricsIntervalMs: 0, batchRows: 500, lingerMs: 20, ...options }, { signal: stop.signal, onOpsListening });
    const entry = { stop, done: done.catch(() => undefined) };
    running.push(entry);
    return { stop: () => stop.abort(), done };
  }

  it('scores 10,000 records with injected anomalies: every key once, the anomalies topic holds exactly the flagged ones, recall >= 0.95; its ops endpoint reports them over HTTP', async () => {
    const t = await topicsFor(uniqueName('tenk'), 3);
    const records = sensorRecords(10_000, 11, 0.02);
    await produce(kafka, t.input, sensorMessages(records));
    const groupId = uniqueName('group');
    let url = '';
    const monitor = startMonitor({ topic: t.input, groupId, ops: { port: 0, host: '127.0.0.1' } }, (u) => (url = u));
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 10_000, 90_000)).toBe(true);
    // Real HTTP requests while the monitor runs (issue 15 item 5).
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await waitFor(async () => /name="rowsWritten",pipeline="monitor [^"]+"\} 10000$/m.test(await (await fetch(`${url}/metrics`)).text()), 10_000)).toBe(true);
    const text = await (await fetch(`${url}/metrics`)).text();
    const lagLines = text.split('\n').filter((l) => l.startsWith(`latentflow_kafka_consumer_lag{stage="consume",topic="${t.input}"`));
    expect(lagLines.map((l) => /partition="(\d)"/.exec(l)![1]).sort()).toEqual(['0', '1', '2']);
    expect(text).toMatch(/^latentflow_batch_settle_seconds_count\{pipeline="monitor [^"]+"\} [1-9]\d*$/m);
    monitor.stop();
    const metrics = await monitor.done;

    const scored = await readTopics(kafka, [t.scored], 10_000);
    const anomalies = await readTopics(kafka, [t.anomalies], 0, { settleMs: 2000 });
    expect(scored).toHaveLength(10_000);
    const byKey = new Map(scored.map((m) => [m.key, JSON.parse(m.value!) as Record<string, unknown>]));
    expect(byKey.size).toBe(10_000);
    for (const r of records) {
      const out = byKey.get(r.id)!;
      // The original fields come back untouched, with score and is_anomaly appended.
      expect(out).toMatchObject({ id: r.id, f0: r.f0, f5: r.f5, injected: r.injected, site: r.site });
      expect(typeof out.score).toBe('number');
      expect(typeof out.is_anomaly).toBe('boolean');
    }
    const flagged = new Set([...byKey].filter(([, v]) => v.is_anomaly === true).map(([k]) => k));
    expect(new Set(anomalies.map((m) => m.key))).toEqual(flagged);
    expect(anomalies).toHaveLength(flagged.size);

    const injected = records.filter((r) => r.injected).map((r) => r.id);
    const caught = injected.filter((k) => flagged.has(k)).length;
    const falsePositives = [...flagged].filter((k) => !injected.includes(k!)).length;
    expect(injected.length).toBeGreaterThan(150);
    expect(caught / injected.length).toBeGreaterThanOrEqual(0.95);
    expect(falsePositives / (records.length - injected.length)).toBeLessThan(0.01);

    expect(await topicSize(kafka, t.deadLetter)).toBe(0);
    expect(await committedTotal(kafka, groupId, t.input)).toBe(10_000);
    expect(metrics).toMatchObject({ messagesIn: 10_000, scored: 10_000, anomalies: flagged.size, deadLetters: 0 });
    expect(metrics!.consumer.handedOver).toBe(0);
  }, 180_000);

  it('drift: a shifted sensor is reported per window in the metrics and as events on the alerts topic, produced with the batch', async () => {
    const t = await topicsFor(uniqueName('drift'), 1);
    const alerts = await suite.topic('drift-alerts', 1);
    // 8,000 normal readings; from the 4,000th on, sensor f2 reads 1.0 higher (about 3 sd of its spread).
    const records = sensorRecords(8000, 21, 0).map((r, i) => (i >= 4000 ? { ...r, f2: r.f2 + 1 } : r));
    await produce(kafka, t.input, sensorMessages(records));
    const monitor = startMonitor({ topic: t.input, groupId: uniqueName('group'), drift: { windowRows: 1000, alertsTopic: alerts } });
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 8000, 90_000)).toBe(true);
    monitor.stop();
    const metrics = await monitor.done;
    expect(metrics.drift).toMatchObject({ windows: 8, alarms: 4, isDrifted: true });
    const events = (await readTopics(kafka, [alerts], 4)).map((m) => JSON.parse(m.value!) as { type: string; window: number; features: string[] });
    expect(events.map((e) => [e.type, e.window, e.features.includes('f2')])).toEqual([5, 6, 7, 8].map((w) => ['drift', w, true]));
  }, 180_000);

  it('sends 1,000 poison records among 20,000 good ones to the dead-letter topic with the right reason, and scores every good one', async () => {
    const t = await topicsFor(uniqueName('poison'), 3);
    const good = sensorRecords(20_000, 12, 0.01, 'good');
    const kinds = ['invalid-json', 'not-an-object', 'missing-field', 'non-numeric', 'wrong-dimension', 'empty-value'] as const;
    const poison: Message[] = [];
    for (let i = 0; i < 1000; i++) {
      const kind = kinds[i % kinds.length];
      const x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
      const value = {
        'invalid-json': '{"x": [0.1, 0.2,',
        'not-an-object': JSON.stringify(x),
        'missing-field': JSON.stringify({ id: `p${i}`, y: x }),
        'non-numeric': JSON.stringify({ id: `p${i}`, x: [0.1, '0.2', 0.3, 0.4, 0.5, 0.6] }),
        'wrong-dimension': JSON.stringify({ id: `p${i}`, x: x.slice(0, 5) }),
        'empty-value': null,
      }[kind];
      poison.push({ key: `poison-${kind}-${i}`, value, headers: { origin: 'test' } });
    }
    // The features travel as one array field here, so a wrong dimension is possible.
    const goodMessages: Message[] = good.map((r) => ({ key: r.id, value: JSON.stringify({ id: r.id, x: [r.f0, r.f1, r.f2, r.f3, r.f4, r.f5] }) }));
    const random = seededRandom(3);
    const all = [...goodMessages];
    for (const p of poison) all.splice(Math.floor(random() * (all.length + 1)), 0, p);
    await produce(kafka, t.input, all);
    const groupId = uniqueName('group');
    const monitor = startMonitor({ topic: t.input, groupId, vectorField: 'x', anomaliesTopic: null, batchRows: 1000 });
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 20_000 && (await topicSize(kafka, t.deadLetter)) >= 1000, 90_000)).toBe(true);
    monitor.stop();
    const metrics = await monitor.done;

    const scored = await readTopics(kafka, [t.scored], 20_000);
    expect(new Set(scored.map((m) => m.key))).toEqual(new Set(good.map((r) => r.id)));
    expect(scored).toHaveLength(20_000);
    const dead = await readTopics(kafka, [t.deadLetter], 1000);
    expect(dead).toHaveLength(1000);
    const sent = new Map(poison.map((p) => [p.key as string, p]));
    for (const d of dead) {
      const original = sent.get(d.key!)!;
      expect(d.headers[DLQ_HEADERS.reason]).toBe(d.key!.split('-').slice(1, -1).join('-'));
      expect(d.value).toBe(original.value === null ? null : String(original.value));
      expect(d.headers.origin).toBe('test'); // original headers kept
      expect(d.headers[DLQ_HEADERS.sourceTopic]).toBe(t.input);
      expect(Number(d.headers[DLQ_HEADERS.sourceOffset])).toBeGreaterThanOrEqual(0);
      expect(d.headers[DLQ_HEADERS.detail]).toBeTruthy();
    }
    expect(await committedTotal(kafka, groupId, t.input)).toBe(21_000);
    expect(metrics).toMatchObject({ messagesIn: 21_000, scored: 20_000, deadLetters: 1000 });
    for (const kind of kinds) expect(metrics!.deadLettersByReason[kind]).toBe(kinds.indexOf(kind) < 1000 % kinds.length ? 167 : 166);
  }, 180_000);

  it('splits a large batch whose records all go to one output partition into requests the broker accepts (message.max.bytes 1 MiB)', async () => {
    const t = await topicsFor(uniqueName('big'), 1);
    const padding = 'x'.repeat(400);
    const records = sensorRecords(12_000, 14, 0.01);
    await produce(kafka, t.input, records.map((r) => ({ key: r.id, value: JSON.stringify({ ...r, padding }) })), 1000);
    const groupId = uniqueName('group');
    // 5,000 records of ~600 bytes, all for the single output partition: ~3 MB per batch.
    const monitor = startMonitor({ topic: t.input, groupId, batchRows: 5000, lingerMs: 200 });
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 12_000, 90_000)).toBe(true);
    monitor.stop();
    const metrics = await monitor.done;
    expect(metrics).toMatchObject({ scored: 12_000, deadLetters: 0 });
    expect(await topicSize(kafka, t.scored)).toBe(12_000);
    expect(await committedTotal(kafka, groupId, t.input)).toBe(12_000);
  }, 180_000);

  it('switches to a model replaced by atomic rename between batches, never mixing the two within a partition', async () => {
    const t = await topicsFor(uniqueName('reload'), 3);
    const records = sensorRecords(4000, 13, 0);
    const messages = sensorMessages(records).map((m, i) => ({ ...m, partition: i % 3 }));
    // Old model: nothing is an anomaly. New model: everything is.
    const quiet = await loadDetector(modelDir);
    quiet.threshold = { method: 'fixed', value: 1e9, threshold: 1e9 };
    const reloadDir = path.join(dir, 'reload-model');
    await saveDetector(reloadDir, quiet);
    const groupId = uniqueName('group');
    const monitor = startMonitor({ topic: t.input, groupId, model: reloadDir, batchRows: 100, anomaliesTopic: null });
    await produce(kafka, t.input, messages.slice(0, 2000), 100);
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 1500, 60_000)).toBe(true);
    quiet.threshold = { method: 'fixed', value: 0, threshold: 0 };
    await saveDetector(reloadDir, quiet);
    quiet.dispose();
    await new Promise((r) => setTimeout(r, 1500)); // the watcher polls every second
    await produce(kafka, t.input, messages.slice(2000), 100);
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 4000, 60_000)).toBe(true);
    monitor.stop();
    const metrics = await monitor.done;

    const flags = new Map((await readTopics(kafka, [t.scored], 4000)).map((m) => [m.key, (JSON.parse(m.value!) as { is_anomaly: boolean }).is_anomaly]));
    expect(flags.size).toBe(4000);
    for (let p = 0; p < 3; p++) {
      // In offset order (= id order within a partition), flags switch from false to true exactly once.
      const seq = records.filter((_, i) => i % 3 === p).map((r) => flags.get(r.id));
      const firstTrue = seq.indexOf(true);
      expect(firstTrue).toBeGreaterThan(0);
      expect(seq.slice(0, firstTrue).every((f) => f === false)).toBe(true);
      expect(seq.slice(firstTrue).every((f) => f === true)).toBe(true);
    }
    expect(metrics!.modelReloads).toBe(1);
    expect(metrics!.modelVersion).toBe(2);
  }, 180_000);

  it('--p-value-rule fpr: every scored record carries p_value, is flagged exactly when p_value <= alpha, and few normal ones are; a model without calibration stops it before any commit', async () => {
    const calibrated = path.join(dir, 'calibrated-model');
    await trainSensorModel(calibrated, 'pca', 5, undefined, 0.5);
    const t = await topicsFor(uniqueName('pvalue'), 3);
    const records = sensorRecords(6000, 15, 0.02);
    await produce(kafka, t.input, sensorMessages(records));
    const groupId = uniqueName('group');
    const monitor = startMonitor({ topic: t.input, groupId, model: calibrated, pValueRule: { method: 'fpr', alpha: 0.01 } });
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 6000, 90_000)).toBe(true);
    monitor.stop();
    const metrics = await monitor.done;
    const byKey = new Map((await readTopics(kafka, [t.scored], 6000)).map((m) => [m.key, JSON.parse(m.value!) as { p_value: number; is_anomaly: boolean }]));
    expect(byKey.size).toBe(6000);
    const n = 1500; // calibration rows: half of the 3,000 training rows
    for (const v of byKey.values()) {
      expect(v.p_value).toBeGreaterThanOrEqual(1 / (n + 1) - 1e-12);
      expect(v.p_value).toBeLessThanOrEqual(1);
      expect(v.is_anomaly).toBe(v.p_value <= 0.01);
    }
    const normal = records.filter((r) => !r.injected);
    const falseFlags = normal.filter((r) => byKey.get(r.id)!.is_anomaly).length;
    // alpha 0.01 of the normal records, 3 sigma (binomial plus the calibration set's own spread) above it.
    const sd = Math.sqrt(0.01 * 0.99 * (1 / normal.length + 1 / (n + 2)));
    expect(falseFlags / normal.length).toBeLessThan(0.01 + 3 * sd);
    expect(records.filter((r) => r.injected).every((r) => byKey.get(r.id)!.is_anomaly)).toBe(true);
    expect(metrics).toMatchObject({ scored: 6000, deadLetters: 0, threshold: null });

    // The suite's model has no calibration scores: the monitor refuses it at start and commits nothing.
    const u = await topicsFor(uniqueName('uncal'), 1);
    await produce(kafka, u.input, sensorMessages(records.slice(0, 10)));
    const uncalibratedGroup = uniqueName('group');
    await expect(startMonitor({ topic: u.input, groupId: uncalibratedGroup, pValueRule: { method: 'fdr', q: 0.05 } }).done).rejects.toThrow(/calibrationSplit/);
    expect(await committedTotal(kafka, uncalibratedGroup, u.input)).toBe(0);
  }, 180_000);
});
