import { describe, expect, it } from 'vitest';
import { kafkaSink, kafkaSinkFields } from '../../src/connectors/kafka-sink.js';
import { kafkaSource, kafkaSourceFields } from '../../src/connectors/kafka-source.js';
import { monitorOptionsSchema } from '../../src/monitor/options.js';

/** The options the monitor reads Kafka with are kafka-source's and kafka-sink's, declared once. */
describe('monitorOptionsSchema', () => {
  // Same names, other meanings: the monitor's topic is its input (kafka-sink's is an output), and its
  // anomalies and dead-letter topics default to <topic>.anomalies / <topic>.dead-letter (the stages' to none).
  const ownOptions = new Set(['topic', 'anomaliesTopic', 'deadLetterTopic']);

  it('every option it shares by name with kafka-source or kafka-sink is one of the stages\' own schemas', () => {
    const shape = monitorOptionsSchema.shape as Record<string, unknown>;
    const source = kafkaSourceFields as Record<string, unknown>;
    const sink = kafkaSinkFields as Record<string, unknown>;
    const shared = Object.keys(shape).filter((key) => (key in source || key in sink) && !ownOptions.has(key));
    expect(shared).toEqual(expect.arrayContaining(['groupId', 'batchRows', 'lingerMs', 'sessionTimeoutMs', 'drainTimeoutMs', 'maxInFlightBatches', 'deliveryTimeoutMs']));
    // deliveryTimeoutMs is in both stages (dead letters, outputs): the monitor's is the sink's, for its outputs.
    for (const key of shared) expect([source[key], sink[key]], key).toContain(shape[key]);
    expect(shape.deliveryTimeoutMs).toBe(sink.deliveryTimeoutMs);
  });

  it('gives the same defaults as a kafka-source -> kafka-sink pipeline (lingerMs 20 ms for both)', () => {
    const monitor = monitorOptionsSchema.parse({ brokers: ['b:9092'], topic: 't', groupId: 'g', model: 'm' });
    const source = kafkaSource.params.parse({ brokers: ['b:9092'], topics: ['t'], groupId: 'g', features: ['f'] });
    const sink = kafkaSink.params.parse({ brokers: ['b:9092'], topic: 't.scored' });
    expect(monitor.lingerMs).toBe(20);
    expect(source.lingerMs).toBe(monitor.lingerMs);
    expect([source.batchRows, source.sessionTimeoutMs, source.drainTimeoutMs]).toEqual([monitor.batchRows, monitor.sessionTimeoutMs, monitor.drainTimeoutMs]);
    expect([sink.maxInFlightBatches, sink.deliveryTimeoutMs]).toEqual([monitor.maxInFlightBatches, monitor.deliveryTimeoutMs]);
  });
});
