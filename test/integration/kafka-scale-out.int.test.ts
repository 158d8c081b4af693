import type { Kafka } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
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
} from './kafka-helpers.js';
import { logLines, startWorker, type Worker } from './workers.js';

const broker = await useBroker();

describe.skipIf(!broker.ok)('monitor processes in a consumer group', () => {
  const brokers = broker.ok ? broker.brokers : [];
  const suite = kafkaSuite(brokers, { prefix: 'workers', model: 'pca' });
  const topicsFor = suite.topicsFor;
  let modelDir: string;
  let kafka: Kafka;
  let workers: Worker[] = [];

  beforeAll(() => {
    ({ kafka, modelDir } = suite);
  });

  afterEach(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    workers = [];
  });

  function worker(topic: string, groupId: string, extra: string[] = []): Worker {
    const w = startWorker([
      '--brokers', brokers.join(','),
      '--topic', topic,
      '--group', groupId,
      '--model', modelDir,
      '--from-beginning',
      '--batch-rows', '500',
      '--max-in-flight', '4',
      '--session-timeout-ms', '6000',
      '--metrics-interval-ms', '0',
      '--json',
      ...extra,
    ]);
    workers.push(w);
    return w;
  }

  it('SIGTERM drains the batches in flight, commits and exits 0; a restarted worker goes on without duplicates', async () => {
    const t = await topicsFor(uniqueName('sigterm'), 3);
    const records = sensorRecords(20_000, 31, 0.01);
    await produce(kafka, t.input, sensorMessages(records));
    const groupId = uniqueName('group');
    const first = worker(t.input, groupId, ['--batch-rows', '200']);
    await first.ready();
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 2000, 60_000)).toBe(true);
    first.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    const produced = await topicSize(kafka, t.scored);
    // Everything produced before the exit is committed: nothing will be produced twice.
    expect(await committedTotal(kafka, groupId, t.input)).toBe(produced);
    expect(produced).toBeLessThan(records.length);
    expect(JSON.parse(exit.stdout)).toMatchObject({ scored: produced, consumer: { handedOver: 0 } });

    const second = worker(t.input, groupId);
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= records.length, 90_000)).toBe(true);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const scored = await readTopics(kafka, [t.scored], records.length, { settleMs: 1000 });
    expect(scored).toHaveLength(records.length);
    expect(new Set(scored.map((m) => m.key)).size).toBe(records.length);
  }, 240_000);

  it('three workers share six partitions; when one is killed the others take its partitions over and every key is scored (duplicates counted)', async () => {
    const t = await topicsFor(uniqueName('scale'), 6);
    const records = sensorRecords(60_000, 32, 0.01);
    const messages = sensorMessages(records);
    const groupId = uniqueName('group');
    // A backlog, so that every worker is busy (batches in flight) when one is killed.
    await produce(kafka, t.input, messages.slice(0, 30_000));
    const crew = [worker(t.input, groupId), worker(t.input, groupId), worker(t.input, groupId)];
    await Promise.all(crew.map((w) => w.ready()));
    // More records keep arriving while the workers run, before and after the kill.
    const producing = (async () => {
      for (let i = 30_000; i < messages.length; i += 3000) {
        await produce(kafka, t.input, messages.slice(i, i + 3000));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 10_000, 90_000, 100)).toBe(true);
    crew[0].kill('SIGKILL');
    expect((await crew[0].exited).signal).toBe('SIGKILL');
    await producing;
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= records.length, 120_000, 500)).toBe(true);
    // Let the survivors finish what they hold, then stop them cleanly.
    expect(await waitFor(async () => (await committedTotal(kafka, groupId, t.input)) === records.length, 30_000, 500)).toBe(true);
    crew[1].kill('SIGTERM');
    crew[2].kill('SIGTERM');
    const exits = await Promise.all([crew[1].exited, crew[2].exited]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);

    const scored = await readTopics(kafka, [t.scored], records.length, { settleMs: 1500 });
    const keys = new Set(scored.map((m) => m.key));
    expect(records.filter((r) => !keys.has(r.id)).map((r) => r.id)).toEqual([]);
    const duplicates = scored.length - keys.size;
    const survivors = exits.map((e) => JSON.parse(e.stdout) as { messagesIn: number; consumer: { redeliveriesSkipped: number; handedOver: number; rebalances: number; assignedPartitions: number } });
    const joins = exits.flatMap((e) => logLines(e.stderr, 'monitor: joined the group'));
    console.info(
      `scale-out: ${records.length} keys, ${scored.length} scored records, ${duplicates} duplicates ` +
        `(the killed worker's batches in flight), survivors ${JSON.stringify(survivors.map((s) => ({ in: s.messagesIn, ...s.consumer })))}, ${joins.length} group joins`,
    );
    // The killed worker's window: batches in flight plus one being committed, 500 records each.
    expect(duplicates).toBeLessThanOrEqual((4 + 1) * 500);
    // The takeover: after the kill the two survivors hold all six partitions between them (2 each before it;
    // how many records each consumed depends on how much backlog the killed worker had drained first).
    expect(survivors.reduce((n, s) => n + s.consumer.assignedPartitions, 0)).toBeGreaterThanOrEqual(6);
    for (const s of survivors) expect(s.consumer.rebalances).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
