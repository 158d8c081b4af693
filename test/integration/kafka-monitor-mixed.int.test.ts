import path from 'node:path';
import { Bool, makeVector, type RecordBatch, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import type { Message } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { saveDetector } from '../../src/artifact/model-dir.js';
import { DLQ_HEADERS } from '../../src/kafka/output-codec.js';
import type { Detector } from '../../src/models/detector.js';
import type { MetricsSnapshot } from '../../src/monitor/metrics.js';
import { runMonitor } from '../../src/monitor/monitor.js';
import { gaussian, seededRandom } from '../../src/models/random.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { useBroker } from './broker.js';
import { committedTotal, kafkaSuite, produce, readTopics, topicSize, uniqueName, waitFor } from './kafka-helpers.js';

/**
 * Issue 16 item 4: a model fitted with `features: auto` (a categorical, a boolean and a timestamp column
 * beside numbers) monitors a Kafka topic of JSON records. Its anomalies show only in a category x number
 * combination, so flagging them proves the category reached the model as a category.
 */

interface Reading {
  id: string;
  device: string;
  reading: number;
  noise: number;
  isOn: boolean;
  at: number;
  injected: boolean;
}

const DEVICES = ['A', 'B', 'C', 'D'];

/**
 * Seeded readings: `device` sets the mean of `reading` (A 0, B 3, C 6, D 9, sd 0.4); an injected anomaly
 * reads like another device. `noise`, `isOn` and `at` (a week from 2026-01-01, UTC) carry nothing.
 */
function readings(n: number, seed: number, anomalyRate: number, prefix: string): Reading[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const d = Math.floor(random() * 4);
    const injected = random() < anomalyRate;
    const source = injected ? (d + 1 + Math.floor(random() * 3)) % 4 : d;
    return {
      id: `${prefix}-${i}`,
      device: DEVICES[d],
      reading: Math.round((3 * source + 0.4 * gaussian(random)) * 1e6) / 1e6,
      noise: Math.round(gaussian(random) * 1e6) / 1e6,
      isOn: random() < 0.5,
      at: Date.UTC(2026, 0, 1) + Math.floor(random() * 7 * 86_400_000),
      injected,
    };
  });
}

/** Kafka messages of readings: key = id, the time as ISO 8601 text (as a producer would write it). */
const messages = (rows: readonly Reading[]): Message[] => rows.map((r) => ({ key: r.id, value: JSON.stringify({ ...r, at: new Date(r.at).toISOString() }) }));

/** Fits the mixed-type autoencoder on clean readings (features: auto) and saves it with a 99.5th-percentile threshold. */
async function trainMixedModel(dir: string): Promise<string[]> {
  await selectBackend();
  const rows = readings(3000, 1, 0, 'train');
  const table = new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
    device: vectorFromArray(rows.map((r) => r.device), new Utf8()),
    reading: makeVector(Float64Array.from(rows, (r) => r.reading)),
    noise: makeVector(Float64Array.from(rows, (r) => r.noise)),
    isOn: vectorFromArray(rows.map((r) => r.isOn), new Bool()),
    at: vectorFromArray(rows.map((r) => r.at), new TimestampMillisecond()),
  });
  const ctx = testContext({ stageId: 'fit', seed: 7 });
  const stage = autoencoderFit.create(
    autoencoderFit.params.parse({ features: 'auto', exclude: ['id'], threshold: { method: 'percentile', value: 99.5 } }) as never,
    ctx,
  );
  await collect(stage.transform(fromArray(table.batches as unknown as RecordBatch[])));
  const detector = await ctx.models.get<Detector>('fit');
  const features = [...detector.features];
  await saveDetector(dir, detector);
  await stage.close(); // disposes the detector
  return features;
}

const broker = await useBroker();

describe.skipIf(!broker.ok)('monitor with a mixed-type model on a real broker', () => {
  const brokers = broker.ok ? broker.brokers : [];
  const suite = kafkaSuite(brokers, { prefix: 'monitor-mixed' });
  let running: { stop: AbortController; done: Promise<unknown> }[] = [];

  afterEach(async () => {
    for (const r of running) r.stop.abort();
    await Promise.all(running.map((r) => r.done));
    running = [];
  });

  it('flags category x number anomalies, counts unseen categories, scores null categories and dead-letters wrong-typed fields with their reason', async () => {
    const modelDir = path.join(suite.dir, 'mixed-model');
    expect(await trainMixedModel(modelDir)).toEqual(['device', 'reading', 'noise', 'isOn', 'at']);
    const t = await suite.topicsFor(uniqueName('mixed'), 2);
    const good = readings(3000, 2, 0.05, 'good');
    // A device never seen at fit, and records without a device: scored (the unknown and the null slot).
    const unseen = readings(40, 3, 0, 'unseen').map((r) => ({ ...r, device: 'E' }));
    const nullDevice = readings(20, 4, 0, 'nodevice');
    const wrong: Message[] = [
      ...Array.from({ length: 10 }, (_, i) => ({ key: `wrong-type-bool-${i}`, value: JSON.stringify({ device: 'A', reading: 0, noise: 0, isOn: 'maybe', at: '2026-01-02T03:04:05Z' }) })),
      ...Array.from({ length: 10 }, (_, i) => ({ key: `wrong-type-cat-${i}`, value: JSON.stringify({ device: { name: 'A' }, reading: 0, noise: 0, isOn: true, at: '2026-01-02T03:04:05Z' }) })),
      ...Array.from({ length: 10 }, (_, i) => ({ key: `wrong-type-time-${i}`, value: JSON.stringify({ device: 'A', reading: 0, noise: 0, isOn: true, at: 'soon' }) })),
      ...Array.from({ length: 5 }, (_, i) => ({ key: `missing-field-${i}`, value: JSON.stringify({ device: 'A', reading: 0, noise: 0, isOn: null, at: '2026-01-02T03:04:05Z' }) })),
    ];
    const all = [...messages(good), ...messages(unseen), ...nullDevice.map((r) => ({ key: r.id, value: JSON.stringify({ ...r, device: null, at: r.at }) }))];
    const random = seededRandom(9);
    for (const m of wrong) all.splice(Math.floor(random() * (all.length + 1)), 0, m);
    await produce(suite.kafka, t.input, all);
    const scoredCount = good.length + unseen.length + nullDevice.length;

    const stop = new AbortController();
    const groupId = uniqueName('group');
    const done = runMonitor({ brokers, model: modelDir, topic: t.input, groupId, fromBeginning: true, metricsIntervalMs: 0, batchRows: 500, lingerMs: 20 }, { signal: stop.signal });
    running.push({ stop, done: done.catch(() => undefined) });
    expect(await waitFor(async () => (await topicSize(suite.kafka, t.scored)) >= scoredCount && (await topicSize(suite.kafka, t.deadLetter)) >= wrong.length, 120_000)).toBe(true);
    stop.abort();
    const metrics: MetricsSnapshot = await done;

    const scored = await readTopics(suite.kafka, [t.scored], scoredCount);
    expect(scored).toHaveLength(scoredCount);
    const byKey = new Map(scored.map((m) => [m.key!, JSON.parse(m.value!) as Record<string, unknown>]));
    expect(byKey.size).toBe(scoredCount);
    // The record comes back as sent (the time still text), with score and is_anomaly appended.
    expect(byKey.get(good[0].id)).toMatchObject({ id: good[0].id, device: good[0].device, reading: good[0].reading, isOn: good[0].isOn, at: new Date(good[0].at).toISOString() });
    expect(byKey.get(nullDevice[0].id)).toMatchObject({ device: null });
    for (const v of byKey.values()) expect(Number.isFinite(v.score)).toBe(true);

    // Anomalies only a category x number combination shows: caught, with few false alarms (the numbers
    // alone have the same four modes either way, so without the category the flag rate of both groups
    // would be the threshold's 0.5%).
    const injected = good.filter((r) => r.injected);
    const normal = good.filter((r) => !r.injected);
    expect(injected.length).toBeGreaterThan(100);
    const caught = injected.filter((r) => byKey.get(r.id)!.is_anomaly === true).length;
    const falseAlarms = normal.filter((r) => byKey.get(r.id)!.is_anomaly === true).length;
    expect(caught / injected.length).toBeGreaterThanOrEqual(0.8);
    expect(falseAlarms / normal.length).toBeLessThan(0.02);

    // Every unseen device went to the unknown slot and was counted.
    expect(metrics.unknownValues).toBe(unseen.length);

    const dead = await readTopics(suite.kafka, [t.deadLetter], wrong.length);
    expect(dead).toHaveLength(wrong.length);
    const sent = new Map(wrong.map((m) => [m.key as string, String(m.value)]));
    for (const d of dead) {
      expect(d.value).toBe(sent.get(d.key!));
      expect(d.headers[DLQ_HEADERS.reason]).toBe(d.key!.startsWith('missing-field') ? 'missing-field' : 'wrong-type');
    }
    const detail = (prefix: string) => String(dead.find((d) => d.key!.startsWith(prefix))!.headers[DLQ_HEADERS.detail]);
    expect(detail('wrong-type-bool')).toContain('field "isOn" is boolean');
    expect(detail('wrong-type-cat')).toContain('field "device" is categorical');
    expect(detail('wrong-type-time')).toContain('field "at" is a timestamp');
    expect(metrics).toMatchObject({ messagesIn: all.length, scored: scoredCount, deadLetters: wrong.length, deadLettersByReason: { 'wrong-type': 30, 'missing-field': 5 } });
    expect(await committedTotal(suite.kafka, groupId, t.input)).toBe(all.length);
  }, 300_000);
});
