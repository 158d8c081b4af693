import type { Kafka } from 'kafkajs';
import { ConnectorError } from '../errors.js';
import { connectorError, type STARTUP_RETRY } from './client.js';

/**
 * Checks that the input topics exist and that the output topics exist too, or creates the missing outputs
 * with as many partitions as the first input (broker-default replication) when `create` is set. Returns
 * the partition count of each input topic. Give it a client with {@link STARTUP_RETRY}, so that a wrong
 * address fails the start in seconds, not after the minutes of retries a running consumer allows itself.
 */
export async function checkTopics(kafka: Kafka, connector: string, inputs: readonly string[], outputs: readonly string[], create: boolean): Promise<Map<string, number>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missingInputs = inputs.filter((t) => !existing.has(t));
    if (missingInputs.length > 0) {
      throw new ConnectorError(`input topic${missingInputs.length > 1 ? 's' : ''} ${missingInputs.map((t) => `"${t}"`).join(', ')} not found; create ${missingInputs.length > 1 ? 'them' : 'it'} or check the name`, {
        connector,
        topic: missingInputs.join(','),
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [...inputs] });
    const partitions = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    const missing = [...new Set(outputs)].filter((t) => !existing.has(t));
    if (missing.length > 0 && !create) {
      throw new ConnectorError(
        `output topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} not found; create ${missing.length > 1 ? 'them' : 'it'} (or pass --create-topics)`,
        { connector, topic: missing.join(',') },
      );
    }
    if (missing.length > 0) {
      const numPartitions = partitions.get(inputs[0]) ?? 1;
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
    }
    return partitions;
  } catch (error) {
    throw connectorError(error, 'checking topics', { connector, topic: [...inputs, ...outputs].join(',') });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
