import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { ConnectorError } from '../errors.js';
import type { Logger } from '../runtime/logger.js';
import { connectorError } from './client.js';
import { fastDefaultPartitioner } from './partitioner.js';

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

/** A `send` waiting for its turn. */
interface Pending {
  messages: TopicMessages[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * An idempotent kafkajs producer (acks from all in-sync replicas, one request in flight per broker, retries
 * without limit inside `deliveryTimeoutMs`) whose sends go out one after the other: each request starts
 * after the previous one was acknowledged, so records reach each partition in the order `send` was called,
 * also across batches, and the broker drops a retried duplicate by its sequence number. The caller still
 * overlaps work: it prepares the next batch while the previous one waits for its acknowledgement.
 *
 * Sends that queue up while a request is in flight (small batches at a moderate rate on a busy broker)
 * leave together in the next request, up to `maxRequestBytes`, instead of one request each: the queue then
 * drains at the broker's pace rather than growing by one round trip per batch. Each merged send resolves
 * when that request is acknowledged; when it fails, every send merged into it rejects.
 */
export class OutputProducer {
  private readonly producer: Producer;
  private queue: Pending[] = [];
  private pumping: Promise<void> | undefined;
  private isConnected = false;

  constructor(
    kafka: Kafka,
    private readonly options: OutputProducerOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioning (kafkajs' DefaultPartitioner without its allocations), so a
      // key lands where Java producers would put it.
      createPartitioner: fastDefaultPartitioner,
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
    let bytes = 0;
    for (const t of messages) for (const m of t.messages) bytes += messageBytes(m);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Sends what is queued, a request at a time, merging queued sends up to maxRequestBytes. */
  private pump(): void {
    if (this.pumping !== undefined) return;
    this.pumping = (async () => {
      while (this.queue.length > 0) {
        const limit = this.options.maxRequestBytes ?? 600_000;
        let n = 1;
        let bytes = this.queue[0].bytes;
        while (n < this.queue.length && bytes + this.queue[n].bytes <= limit) bytes += this.queue[n++].bytes;
        const group = this.queue.splice(0, n);
        try {
          await this.deliver(mergeSends(group.map((g) => g.messages)));
          for (const g of group) g.resolve();
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    })().finally(() => {
      this.pumping = undefined;
      if (this.queue.length > 0) this.pump();
    });
  }

  /** One merged send, bounded by deliveryTimeoutMs. */
  private async deliver(messages: TopicMessages[]): Promise<void> {
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
        const size = messageBytes(m);
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
    while (this.pumping !== undefined) await this.pumping;
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

/**
 * Sends merged into one: per topic, the messages in send order (kafkajs takes each topic once per
 * request: a topic given twice would keep only the last list).
 */
export function mergeSends(sends: readonly TopicMessages[][]): TopicMessages[] {
  // Also one send naming a topic twice (outputs configured to the same topic) is merged.
  if (sends.length === 1 && new Set(sends[0].map((t) => t.topic)).size === sends[0].length) return sends[0];
  const byTopic = new Map<string, Message[]>();
  for (const send of sends) {
    for (const { topic, messages } of send) {
      const list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, [...messages]);
      else for (const m of messages) list.push(m);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** Approximate bytes of a message on the wire (key + value + headers + record overhead). */
function messageBytes(m: Message): number {
  return sizeOf(m.key) + sizeOf(m.value) + headerBytes(m.headers) + 24;
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
