import * as tf from '../../src/runtime/tf.js';
import type { Kafka } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../src/monitor/metrics.js';
import { runMonitor } from '../../src/monitor/monitor.js';
import { useBroker } from './broker.js';
import { committedTotal, createTopics, kafkaSuite, produce, sensorMessages, sensorRecords, topicSize, uniqueName, waitFor } from './kafka-helpers.js';

const broker = await useBroker();

describe.skipIf(!broker.ok)('monitor memory on a long run', () => {
  const brokers = broker.ok ? broker.brokers : [];
  const suite = kafkaSuite(brokers, { prefix: 'memory', model: 'autoencoder' });
  let kafka: Kafka;
  let modelDir: string;
  beforeAll(() => {
    ({ kafka, modelDir } = suite);
  });

  it('scores 200,000 records with the autoencoder while tf.memory().numTensors stays flat and the heap does not grow', async () => {
    const base = uniqueName('memory');
    const t = { input: base, scored: `${base}.scored`, deadLetter: `${base}.dead-letter` };
    suite.track(...Object.values(t));
    await createTopics(kafka, Object.values(t), 3);
    const n = 200_000;
    await produce(kafka, t.input, sensorMessages(sensorRecords(n, 41, 0.01)), 5000);

    const tensorsBefore = tf.memory().numTensors;
    const samples: MetricsSnapshot[] = [];
    const stop = new AbortController();
    const groupId = uniqueName('group');
    const monitor = runMonitor(
      { brokers, topic: t.input, groupId, model: modelDir, anomaliesTopic: null, fromBeginning: true, batchRows: 2000, metricsIntervalMs: 200 },
      { signal: stop.signal, onMetrics: (m) => samples.push(m) },
    );
    const isDone = await waitFor(async () => (await topicSize(kafka, t.scored)) >= n, 240_000, 1000);
    stop.abort();
    const final = await monitor;
    expect(isDone).toBe(true);
    expect(final.scored).toBe(n);
    expect(await committedTotal(kafka, groupId, t.input)).toBe(n);

    // While running, only the model's own tensors exist: the same count in every sample. Sampled every 200 ms:
    // on an idle machine the 200k records take about 6 s, which at 1 s per sample left only 2 samples mid-run.
    const during = samples.filter((s) => s.messagesIn > 0 && s.messagesIn < n).map((s) => s.numTensors);
    expect(during.length).toBeGreaterThan(2);
    expect(new Set(during).size).toBe(1);
    // After the monitor stopped, its model is disposed: back to where it started.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const heaps = samples.map((s) => s.heapUsedMb);
    const third = Math.max(1, Math.floor(heaps.length / 3));
    const early = Math.max(...heaps.slice(0, third));
    const late = Math.max(...heaps.slice(-third));
    console.info(`memory: ${n} records in ${samples.length} samples (200 ms apart); numTensors ${during[0]} (before ${tensorsBefore}); heapUsed MB ${heaps.join(' ')}; rss MB ${samples.map((s) => s.rssMb).join(' ')}`);
    expect(late).toBeLessThan(early + 64);
  }, 360_000);
});
