import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { ConnectorError } from '../errors.js';
import type { Logger } from '../runtime/logger.js';
import { connectorError, isRebalancing, RETRY } from './client.js';
import { OffsetTracker, tpKey, type CommitOffset, type TicketPart } from './offset-tracker.js';
import type { InputRecord } from './record-codec.js';

/** Options of {@link KafkaFeed}. Defaults are applied by the callers' zod schemas. */
export interface FeedOptions {
  /** Name used in errors and logs (`kafka-source`, `monitor`). */
  connector: string;
  topics: string[];
  groupId: string;
  /** Where a group with no committed offset starts: the oldest record (true) or new records only. */
  fromBeginning: boolean;
  /** Records per batch handed out (at most). */
  batchRows: number;
  /** Longest time a record waits in the buffer for its batch to fill (ms). */
  lingerMs: number;
  /** Records buffered before the consumer stops fetching (backpressure). */
  maxBufferedRows: number;
  /** Group session timeout (ms): a member silent this long is removed and its partitions move. */
  sessionTimeoutMs: number;
  /** Time members get to re-join during a rebalance (ms). */
  rebalanceTimeoutMs: number;
  /** Heartbeat interval (ms), at most a third of the session timeout. */
  heartbeatIntervalMs: number;
  /** Fetch size per partition (bytes). */
  maxBytesPerPartition: number;
  /** Longest time a fetch waits at the broker for data (ms); also bounds how fast a stop takes effect. */
  maxWaitTimeMs: number;
  /** Longest wait for batches in flight to be acknowledged on a rebalance or a stop (ms). */
  drainTimeoutMs: number;
  /** End `batches()` after this long without a new record (ms); 0 = never (a long-lived consumer). */
  idleTimeoutMs?: number;
}

/** The consumer params `kafka-source` and the monitor share (same names in their option schemas). */
export interface FeedParams {
  groupId: string;
  fromBeginning: boolean;
  batchRows: number;
  lingerMs: number;
  maxBufferedRows?: number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxBytesPerPartition: number;
  maxWaitTimeMs: number;
  drainTimeoutMs: number;
  idleTimeoutMs?: number;
}

/**
 * The {@link FeedOptions} of a stage or the monitor, built in one place: the buffer defaults to four
 * batches, and the heartbeat interval is capped at a third of the session timeout (Kafka wants at least
 * three heartbeats per session).
 */
export function feedOptions(connector: string, topics: string[], p: FeedParams): FeedOptions {
  return {
    connector,
    topics,
    groupId: p.groupId,
    fromBeginning: p.fromBeginning,
    batchRows: p.batchRows,
    lingerMs: p.lingerMs,
    maxBufferedRows: p.maxBufferedRows ?? 4 * p.batchRows,
    sessionTimeoutMs: p.sessionTimeoutMs,
    rebalanceTimeoutMs: p.rebalanceTimeoutMs,
    heartbeatIntervalMs: Math.min(p.heartbeatIntervalMs, Math.floor(p.sessionTimeoutMs / 3)),
    maxBytesPerPartition: p.maxBytesPerPartition,
    maxWaitTimeMs: p.maxWaitTimeMs,
    drainTimeoutMs: p.drainTimeoutMs,
    ...(p.idleTimeoutMs !== undefined ? { idleTimeoutMs: p.idleTimeoutMs } : {}),
  };
}

/** A batch handed to the pipeline. Settle its ticket once all its outputs are acknowledged. */
export interface FeedBatch {
  ticket: number;
  records: InputRecord[];
  /** When the oldest record of the batch was received from the broker (ms since the epoch). */
  receivedMs: number;
}

/** Counters for metrics. */
export interface FeedStats {
  /** Records received from the broker (re-deliveries skipped included). */
  received: number;
  /** Records handed out in batches. */
  handedOut: number;
  /** Records buffered, waiting for a batch. */
  buffered: number;
  /** Records the broker re-delivered after a rejoin that were already in flight here (skipped, not re-processed). */
  redeliveriesSkipped: number;
  /** Records produced (or in flight) whose offsets could not be committed before their partition moved away. */
  handedOver: number;
  /** Sum over assigned partitions of high watermark minus the next offset to fetch. */
  lag: number;
  commits: number;
  commitFailures: number;
  rebalances: number;
  assignedPartitions: number;
  inFlightTickets: number;
}

interface Chunk {
  key: string;
  topic: string;
  partition: number;
  generation: number;
  records: InputRecord[];
  /** Index of the next record not yet handed out. */
  next: number;
  /** Highest offset covered once the whole chunk is handed out (the fetch batch's last offset). */
  coverTo: bigint;
  receivedMs: number;
}

/**
 * A kafkajs consumer-group member turned into a pull-based stream of batches with commit-after-ack.
 *
 * Why `eachBatch` with `autoCommit: false` and manual `resolveOffset`: kafkajs pushes one partition's
 * fetch at a time and its own commits mean "the callback returned", not "the outputs are acknowledged".
 * So the callback only buffers records (and resolves them, which just moves kafkajs' fetch position);
 * batches are formed across partitions by count or linger time and handed out by `batches()`, and offsets
 * are committed explicitly through an {@link OffsetTracker} once the caller settles a batch's ticket. The
 * buffer is bounded: when it is full the callback waits (heartbeating), so kafkajs stops fetching.
 *
 * Rebalances. kafkajs has no "partitions revoked" callback: it re-joins as soon as a heartbeat reports a
 * rebalance. The heartbeat is called from inside the callback, so when it reports one the feed first
 * drains (drops buffered records, waits for batches in flight to be acknowledged, commits them while the
 * old generation may still commit) and then lets kafkajs re-join: a graceful rebalance causes no
 * duplicates. When kafkajs re-joins without asking (a rebalance seen by its own heartbeat while idle, a
 * broker restart, a consumer restart after a crash), the `GROUP_JOIN` event applies the new assignment:
 * buffered records are dropped (kafkajs fetches again from the last commit), batches in flight for
 * partitions still assigned still commit, and re-delivered records already in flight are skipped; for
 * partitions that moved, the records produced after the last commit are counted as handed over: the new
 * owner produces them again (the at-least-once duplicates).
 *
 * Commits are confirmed by kafkajs' COMMIT_OFFSETS event, because `consumer.commitOffsets` silently does
 * nothing while the consumer restarts.
 */
export class KafkaFeed {
  private readonly consumer: Consumer;
  private readonly tracker = new OffsetTracker();
  private chunks: Chunk[] = [];
  private buffered = 0;
  private generation = 0;
  /** Per partition: offsets up to this one are already in flight (re-deliveries to skip). */
  private readonly skipUpTo = new Map<string, bigint>();
  private readonly lagByPartition = new Map<string, number>();
  private isPausedForRebalance = false;
  private isStopping = false;
  private isStarted = false;
  private isClosed = false;
  private fatal: ConnectorError | undefined;
  private waiters: (() => void)[] = [];
  private commitRunning: Promise<void> | undefined;
  private commitAgain = false;
  private readonly counters = { received: 0, handedOut: 0, redeliveriesSkipped: 0, commits: 0, commitFailures: 0, rebalances: 0 };
  /** When a record last arrived, or the consumer started (for `idleTimeoutMs`). */
  private lastActivityMs = Date.now();

  constructor(
    kafka: Kafka,
    private readonly options: FeedOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // Outputs of transactional producers upstream are read only once committed.
      readUncommitted: false,
      retry: { ...RETRY, restartOnFailure: async () => true },
    });
    const { GROUP_JOIN, CRASH, REBALANCING } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => this.onGroupJoin(e.payload.memberAssignment));
    this.consumer.on(REBALANCING, () => {
      this.counters.rebalances++;
      this.logger.info({ groupId: options.groupId }, `${options.connector}: group rebalancing`);
    });
    this.consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      if (restart) {
        this.logger.warn({ err: error }, `${options.connector}: consumer crashed; kafkajs restarts it`);
        return;
      }
      this.fail(connectorError(error, 'consuming', { connector: options.connector, topic: options.topics.join(',') }));
    });
  }

  /** Connects, subscribes and joins the group; resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.isStarted) return;
    this.isStarted = true;
    const where = { connector: this.options.connector, topic: this.options.topics.join(',') };
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
      this.lastActivityMs = Date.now();
    } catch (error) {
      throw connectorError(error, `joining group "${this.options.groupId}"`, where);
    }
  }

  /**
   * Batches of at most `batchRows` records, as soon as that many are buffered or the oldest buffered one
   * has waited `lingerMs`. Ends after `stop()` or `idleTimeoutMs` without records; throws when the
   * consumer failed for good.
   */
  async *batches(): AsyncGenerator<FeedBatch> {
    const idleMs = this.options.idleTimeoutMs ?? 0;
    for (;;) {
      if (this.fatal !== undefined) throw this.fatal;
      if (this.isStopping) return;
      let waitMs: number | undefined;
      if (idleMs > 0 && this.buffered === 0) {
        const quiet = Date.now() - this.lastActivityMs;
        if (quiet >= idleMs) return;
        waitMs = idleMs - quiet;
      }
      if (!this.isPausedForRebalance && this.buffered > 0) {
        const age = Date.now() - this.chunks[0].receivedMs;
        if (this.buffered >= this.options.batchRows || age >= this.options.lingerMs) {
          yield this.take();
          continue;
        }
        waitMs = this.options.lingerMs - age;
      }
      await this.wait(waitMs);
    }
  }

  /** One acknowledgement of a batch's outputs; commits what became committable. */
  settle(ticket: number): void {
    if (this.tracker.settle(ticket)) void this.commit();
    this.wake();
  }

  /** Registers `n` more acknowledgements a batch must wait for (its dead-letter records, sent apart). */
  addPending(ticket: number, n: number): void {
    this.tracker.addPending(ticket, n);
  }

  /** Forgets a batch whose outputs failed: its offsets will never be committed by this member. */
  abandon(ticket: number): void {
    this.tracker.abandon(ticket);
    this.wake();
  }

  /** Stops handing out batches; buffered records are dropped (they were not committed). */
  stop(): void {
    this.isStopping = true;
    this.dropBuffer();
    this.wake();
  }

  /**
   * Waits until every batch handed out is settled (or `timeoutMs`, default `drainTimeoutMs`, passes), then
   * commits. Returns false when something stayed uncommitted.
   */
  async drain(timeoutMs = this.options.drainTimeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.tracker.inFlight() > 0 && Date.now() < deadline && this.fatal === undefined) await this.wait(Math.min(100, deadline - Date.now()));
    for (let attempt = 0; attempt < 3 && this.tracker.commitable().length > 0; attempt++) await this.commit();
    const isIdle = this.tracker.isIdle();
    if (!isIdle) {
      this.logger.warn(
        { inFlightTickets: this.tracker.inFlight(), uncommitted: this.tracker.commitable() },
        `${this.options.connector}: drain incomplete; the uncommitted records will be read again (at-least-once)`,
      );
    }
    return isIdle;
  }

  /**
   * Stops, drains (waiting at most `drainTimeoutMs` for batches in flight), commits, leaves the group and
   * disconnects; idempotent.
   */
  async close(drainTimeoutMs = this.options.drainTimeoutMs): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stop();
    if (this.isStarted) {
      await this.drain(drainTimeoutMs);
      try {
        await this.consumer.disconnect();
      } catch (error) {
        this.logger.warn({ err: error }, `${this.options.connector}: consumer disconnect failed`);
      }
    }
  }

  /** Whether the consumer has started (joined its group) and not stopped. */
  get isConsuming(): boolean {
    return this.isStarted && !this.isStopping;
  }

  /** Lag per assigned partition, keyed `topic/partition`. */
  lagByPartitionKey(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, lag] of this.lagByPartition) {
      const [partition, topic] = key.split('\u0000');
      out[`${topic}/${partition}`] = lag;
    }
    return out;
  }

  stats(): FeedStats {
    let lag = 0;
    for (const v of this.lagByPartition.values()) lag += v;
    const t = this.tracker.stats();
    return {
      ...this.counters,
      buffered: this.buffered,
      handedOver: t.handedOver,
      lag,
      assignedPartitions: this.lagByPartition.size,
      inFlightTickets: t.inFlightTickets,
    };
  }

  /** The kafkajs callback: buffer one partition's fetched records (see the class comment). */
  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.isStopping || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const key = tpKey(topic, partition);
    if (!this.tracker.isAssigned(topic, partition)) return;
    const generation = this.generation;
    const lastOffset = BigInt(batch.lastOffset());
    this.lagByPartition.set(key, Math.max(0, Number(BigInt(batch.highWatermark) - lastOffset - 1n)));
    const skip = this.skipUpTo.get(key) ?? -1n;
    const records: InputRecord[] = [];
    for (const m of batch.messages) {
      if (skip >= 0n && BigInt(m.offset) <= skip) {
        this.counters.redeliveriesSkipped++;
        continue;
      }
      records.push({ topic, partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers });
    }
    this.counters.received += batch.messages.length;
    while (this.buffered >= this.options.maxBufferedRows && !this.isStopping && generation === this.generation && isRunning()) {
      await this.wait(this.options.heartbeatIntervalMs);
      await this.heartbeat(heartbeat);
    }
    if (this.isStopping || generation !== this.generation || !isRunning()) return;
    if (records.length > 0) {
      this.lastActivityMs = Date.now();
      this.chunks.push({ key, topic, partition, generation, records, next: 0, coverTo: lastOffset, receivedMs: Date.now() });
      this.buffered += records.length;
      this.wake();
    } else if (lastOffset > this.tracker.highestTaken(topic, partition)) {
      // Only control records (or skipped ones) past what is in flight: a ticket with nothing to acknowledge
      // moves the commit point over them.
      this.settle(this.tracker.take([{ topic, partition, coverTo: lastOffset, count: 0 }]));
    }
    resolveOffset(batch.lastOffset());
    await this.heartbeat(heartbeat);
  }

  /**
   * kafkajs' heartbeat; when it reports a rebalance, drain and commit first (this member's commits are
   * still accepted while the group waits for it to re-join), then let kafkajs re-join.
   */
  private async heartbeat(beat: () => Promise<void>): Promise<void> {
    try {
      await beat();
    } catch (error) {
      if (isRebalancing(error) && !this.isStopping) {
        this.isPausedForRebalance = true;
        this.dropBuffer();
        const isClean = await this.drain();
        this.logger.info({ isClean }, `${this.options.connector}: drained before re-joining the group`);
      }
      throw error;
    }
  }

  private onGroupJoin(assignment: Record<string, number[]>): void {
    this.generation++;
    this.dropBuffer();
    const list = Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    const before = this.tracker.stats().handedOver;
    const { revoked, added, retained } = this.tracker.assign(list);
    for (const key of [...revoked, ...added]) {
      this.skipUpTo.delete(key);
      this.lagByPartition.delete(key);
    }
    for (const key of retained) {
      const [partition, topic] = key.split('\u0000');
      this.skipUpTo.set(key, this.tracker.highestTaken(topic, Number(partition)));
    }
    for (const { topic, partition } of list) if (!this.lagByPartition.has(tpKey(topic, partition))) this.lagByPartition.set(tpKey(topic, partition), 0);
    const handedOver = this.tracker.stats().handedOver - before;
    this.isPausedForRebalance = false;
    const log = handedOver > 0 ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
    log(
      { generation: this.generation, partitions: list.length, added: added.length, revoked: revoked.length, retained: retained.length, handedOver },
      handedOver > 0
        ? `${this.options.connector}: joined the group; ${handedOver} records produced here were not committed before their partitions moved: the new owner will produce them again`
        : `${this.options.connector}: joined the group with ${list.length} partitions`,
    );
    void this.commit();
    this.wake();
  }

  /** Hands out up to batchRows buffered records as one ticket. */
  private take(): FeedBatch {
    const records: InputRecord[] = [];
    const parts = new Map<string, TicketPart>();
    const receivedMs = this.chunks[0].receivedMs;
    while (records.length < this.options.batchRows && this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const n = Math.min(this.options.batchRows - records.length, chunk.records.length - chunk.next);
      for (let i = chunk.next; i < chunk.next + n; i++) records.push(chunk.records[i]);
      chunk.next += n;
      const isWhole = chunk.next === chunk.records.length;
      const coverTo = isWhole ? chunk.coverTo : BigInt(chunk.records[chunk.next - 1].offset);
      const part = parts.get(chunk.key);
      if (part === undefined) parts.set(chunk.key, { topic: chunk.topic, partition: chunk.partition, coverTo, count: n });
      else {
        part.coverTo = coverTo;
        part.count += n;
      }
      if (isWhole) this.chunks.shift();
    }
    this.buffered -= records.length;
    this.counters.handedOut += records.length;
    this.wake();
    return { ticket: this.tracker.take([...parts.values()]), records, receivedMs };
  }

  private dropBuffer(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  /** Commits what the tracker allows; one commit at a time, re-run when more settled meanwhile. */
  private commit(): Promise<void> {
    if (this.commitRunning !== undefined) {
      this.commitAgain = true;
      return this.commitRunning;
    }
    this.commitRunning = (async () => {
      do {
        this.commitAgain = false;
        const offsets = this.tracker.commitable();
        if (offsets.length === 0 || !this.isStarted) break;
        if (await this.commitOnce(offsets)) this.tracker.committed(offsets);
      } while (this.commitAgain);
    })().finally(() => {
      this.commitRunning = undefined;
      this.wake();
    });
    return this.commitRunning;
  }

  private async commitOnce(offsets: CommitOffset[]): Promise<boolean> {
    let isConfirmed = false;
    const off = this.consumer.on(this.consumer.events.COMMIT_OFFSETS, (e) => {
      const committed = new Set(e.payload.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}:${p.partition}:${p.offset}`)));
      if (offsets.every((o) => committed.has(`${o.topic}:${o.partition}:${o.offset}`))) isConfirmed = true;
    });
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      this.logger.debug({ err: error, offsets }, `${this.options.connector}: commit failed; retried after the next batch or rejoin`);
    } finally {
      off();
    }
    if (isConfirmed) this.counters.commits++;
    else this.counters.commitFailures++;
    return isConfirmed;
  }

  private fail(error: ConnectorError): void {
    this.fatal ??= error;
    this.wake();
  }

  /** Resolves on the next `wake()` or after `ms`. */
  private wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        const at = this.waiters.indexOf(done);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, Math.max(0, ms));
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
