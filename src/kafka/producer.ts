import { Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { ConnectorError } from '../errors.js';
import type { Logger } from '../runtime/logger.js';
import { connectorError } from './client.js';

/** Options of {@link OutputProducer}. */
export interface OutputProducerOptions {
  /** Name used in errors (`kafka-sink`, `monitor`). */
  connector: string;
  /**
   * Longest time one send may take, retries included (ms). Past it the send rejects with a retriable
   * ConnectorError: the caller commits nothing for it and stops, so the records are read again on restart.
   */
  deliveryTimeoutMs: number;
  /**
   * Most bytes (keys + values + headers, approximately) per produce request, default 600,000. kafkajs puts
   * all of a partition's records of one request into one record batch and never splits it, and a broker
   * refuses batches over `message.max.bytes` (1 MiB by default): records that all hash to one partition
   * (a topic keyed like its input) would otherwise fail as soon as a batch holds more than ~1 MB. Smaller
   * requests also keep kafkajs fast: it groups a request's records per partition in quadratic time.
   */
  maxRequestBytes?: number;
  logger: Logger;
}

/**
 * An idempotent kafkajs producer (acks from all in-sync replicas, one request in flight per broker, retries
 * without limit inside `deliveryTimeoutMs`) whose sends are chained: each `send` starts after the previous
 * one was acknowledged, so records reach each partition in the order `send` was called, also across
 * batches, and the broker drops a retried duplicate by its sequence number. The caller still overlaps
 * work: it prepares the next batch while the previous one waits for its acknowledgement.
 */
export class OutputProducer {
  private readonly producer: Producer;
  private chain: Promise<unknown> = Promise.resolve();
  private isConnected = false;

  constructor(
    kafka: Kafka,
    private readonly options: OutputProducerOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioning, so a key lands where Java producers would put it.
      createPartitioner: Partitioners.DefaultPartitioner,
      // kafkajs warns unless an idempotent producer retries forever; deliveryTimeoutMs bounds the wait.
      retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: Number.MAX_SAFE_INTEGER },
    });
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
      this.isConnected = true;
    } catch (error) {
      throw connectorError(error, 'connecting the producer', { connector: this.options.connector });
    }
  }

  /**
   * Sends every message (to several topics at once) and resolves when all are acknowledged by all
   * in-sync replicas. Rejects with a ConnectorError naming the topics.
   */
  send(topicMessages: TopicMessages[]): Promise<void> {
    const messages = topicMessages.filter((t) => t.messages.length > 0);
    const run = this.chain.then(async () => {
      if (messages.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(
            new ConnectorError(`no acknowledgement within deliveryTimeoutMs=${this.options.deliveryTimeoutMs} ms; is the broker up?`, {
              connector: this.options.connector,
              topic: messages.map((t) => t.topic).join(','),
              retriable: true,
            }),
          );
        }, this.options.deliveryTimeoutMs);
      });
      try {
        await Promise.race([this.sendChunked(messages), timeout]);
      } catch (error) {
        throw connectorError(error, `producing to ${messages.map((t) => t.topic).join(', ')}`, { connector: this.options.connector, retriable: true });
      } finally {
        clearTimeout(timer);
      }
    });
    // A failed send fails its caller; the next one still runs (the caller decides whether to go on).
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Sends in requests of at most maxRequestBytes, one after the other (order within a topic is kept). */
  private async sendChunked(messages: TopicMessages[]): Promise<void> {
    const limit = this.options.maxRequestBytes ?? 600_000;
    let chunk: TopicMessages[] = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length > 0) await this.producer.sendBatch({ topicMessages: chunk, acks: -1 });
      chunk = [];
      bytes = 0;
    };
    for (const { topic, messages: list } of messages) {
      let current: TopicMessages | undefined;
      for (const m of list) {
        const size = sizeOf(m.key) + sizeOf(m.value) + headerBytes(m.headers) + 24;
        if (bytes > 0 && bytes + size > limit) {
          await flush();
          current = undefined;
        }
        if (current === undefined) {
          current = { topic, messages: [] };
          chunk.push(current);
        }
        current.messages.push(m);
        bytes += size;
      }
    }
    await flush();
  }

  /** Waits for every send issued so far to settle. */
  async flush(): Promise<void> {
    await this.chain;
  }

  /** Flushes, then disconnects; idempotent. */
  async disconnect(): Promise<void> {
    if (!this.isConnected) return;
    this.isConnected = false;
    await this.flush();
    try {
      await this.producer.disconnect();
    } catch (error) {
      this.options.logger.warn({ err: error }, `${this.options.connector}: producer disconnect failed`);
    }
  }
}

function sizeOf(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function headerBytes(h: Message['headers']): number {
  if (h === undefined) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(h)) {
    n += k.length + 8;
    for (const x of Array.isArray(v) ? v : [v]) n += sizeOf(x as Buffer | string | undefined);
  }
  return n;
}
