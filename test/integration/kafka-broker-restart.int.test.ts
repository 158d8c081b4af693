import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../src/monitor/metrics.js';
import { runMonitor } from '../../src/monitor/monitor.js';
import { brokerScript, useBroker } from './broker.js';
import { kafkaSuite, produce, readTopics, sensorMessages, sensorRecords, topicSize, uniqueName, waitFor } from './kafka-helpers.js';

/**
 * This file restarts its broker, so it runs its own on another port: the shared one stays up for the
 * test files running beside it.
 */
const PORT = Number(process.env.LATENTFLOW_KAFKA_RESTART_PORT ?? 9192);
const broker = await useBroker(PORT);

describe.skipIf(!broker.ok)('monitor across a broker restart', () => {
  const brokers = broker.ok ? broker.brokers : [];
  const suite = kafkaSuite(brokers, { prefix: 'restart', model: 'pca' });
  let modelDir: string;
  let kafka: Kafka;
  let stop: AbortController | undefined;
  let done: Promise<unknown> | undefined;

  beforeAll(() => {
    ({ kafka, modelDir } = suite);
  });

  afterEach(async () => {
    stop?.abort();
    await done?.catch(() => undefined);
  });

  afterAll(async () => {
    // Only this file uses this broker.
    await brokerScript('stop', PORT).catch(() => undefined);
  });

  it('scores every input key after the broker is killed and restarted mid-run (duplicates counted)', async () => {
    const base = uniqueName('restart');
    const t = await suite.topicsFor(base, 3);
    const first = sensorRecords(20_000, 21, 0.01, 'a');
    const second = sensorRecords(5_000, 22, 0.01, 'b');
    await produce(kafka, t.input, sensorMessages(first));

    stop = new AbortController();
    let last: MetricsSnapshot | undefined;
    const monitor = runMonitor(
      { brokers, topic: t.input, groupId: uniqueName('group'), model: modelDir, fromBeginning: true, batchRows: 500, maxInFlightBatches: 2, metricsIntervalMs: 0, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 },
      { signal: stop.signal, onMetrics: (m) => (last = m) },
    );
    done = monitor;
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= 4000, 60_000)).toBe(true);

    // A crash, not a clean shutdown: acknowledged records and committed offsets must survive it.
    await brokerScript('kill', PORT);
    await new Promise((r) => setTimeout(r, 2000));
    await brokerScript('start', PORT);
    await produce(kafka, t.input, sensorMessages(second));

    const expected = [...first, ...second].map((r) => r.id);
    expect(await waitFor(async () => (await topicSize(kafka, t.scored)) >= expected.length, 180_000, 1000)).toBe(true);
    stop.abort();
    await monitor;

    const scored = await readTopics(kafka, [t.scored], expected.length, { settleMs: 1000 });
    const keys = new Set(scored.map((m) => m.key));
    expect(expected.filter((k) => !keys.has(k))).toEqual([]);
    const duplicates = scored.length - keys.size;
    console.info(`broker restart: ${expected.length} keys, ${scored.length} scored records, ${duplicates} duplicates, metrics ${JSON.stringify(last?.consumer)}`);
    // At-least-once: duplicates only from batches in flight when the broker died.
    expect(duplicates).toBeLessThanOrEqual(2 * 500 * 3);
  }, 300_000);
});
