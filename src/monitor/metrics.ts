import { DDSketch } from '@datadog/sketches-js';
import * as tf from '../runtime/tf.js';
import type { FeedStats } from '../kafka/consumer-feed.js';
import type { DeadLetterReason } from '../kafka/record-codec.js';
import type { DriftStats } from '../models/drift.js';

/** CPU time of the process (user + system) spent per step of the score path (ms), summed over batches. */
export interface StepTimes {
  /** JSON.parse of values and reading the feature fields. */
  parseMs: number;
  /** Building the Arrow record batch. */
  arrowMs: number;
  /** Feature matrix, scaler and model (TensorFlow.js or PCA) and the threshold. */
  modelMs: number;
  /** Output JSON (splicing score and flag into the original bytes) and dead-letter records. */
  encodeMs: number;
}

/** Counters that only grow. */
interface Totals extends StepTimes {
  batches: number;
  messagesIn: number;
  scored: number;
  anomalies: number;
  deadLetters: number;
  deadLettersByReason: Partial<Record<DeadLetterReason, number>>;
  modelReloads: number;
}

/** One metrics record, as logged every interval (cumulative counters, interval rates and latencies). */
export interface MetricsSnapshot extends Totals {
  intervalMs: number;
  /** Records acknowledged per second over the interval. */
  messagesPerSec: number;
  /** Received from the broker until every output is acknowledged, per batch, over the interval (ms). */
  batchLatencyMs: Quantiles;
  /** Record timestamp (producer's CreateTime) until its output is acknowledged, over the interval (ms). */
  endToEndLatencyMs: Quantiles;
  /** Time the producer took to acknowledge a batch (ms), over the interval. */
  produceAckMs: Quantiles;
  consumer: FeedStats;
  threshold: number | null;
  isThresholdWarm: boolean;
  modelVersion: number;
  /** Drift windows so far and the last one's figures (option `drift`); absent without it. */
  drift?: DriftStats;
  rssMb: number;
  heapUsedMb: number;
  numTensors: number;
}

/** p50 / p99 / max of a distribution, null when empty. */
export interface Quantiles {
  p50: number | null;
  p99: number | null;
  max: number | null;
  count: number;
}

/**
 * The monitor's counters and latency distributions. Latencies go into DDSketch quantile sketches (1 %
 * relative accuracy, bounded memory), reset every interval so the logged p50/p99 describe that interval.
 */
export class MonitorMetrics {
  private readonly totals: Totals = {
    batches: 0,
    messagesIn: 0,
    scored: 0,
    anomalies: 0,
    deadLetters: 0,
    deadLettersByReason: {},
    modelReloads: 0,
    parseMs: 0,
    arrowMs: 0,
    modelMs: 0,
    encodeMs: 0,
  };
  private batchLatency = new DDSketch();
  private endToEnd = new DDSketch();
  private produceAck = new DDSketch();
  private ackedInInterval = 0;
  private intervalStart = performance.now();

  /** Counts a batch that was scored (before its outputs are sent). */
  scored(b: { messagesIn: number; scored: number; anomalies: number; deadLetters: Partial<Record<DeadLetterReason, number>>; times: StepTimes }): void {
    const t = this.totals;
    t.batches++;
    t.messagesIn += b.messagesIn;
    t.scored += b.scored;
    t.anomalies += b.anomalies;
    for (const [reason, n] of Object.entries(b.deadLetters) as [DeadLetterReason, number][]) {
      t.deadLetters += n;
      t.deadLettersByReason[reason] = (t.deadLettersByReason[reason] ?? 0) + n;
    }
    t.parseMs += b.times.parseMs;
    t.arrowMs += b.times.arrowMs;
    t.modelMs += b.times.modelMs;
    t.encodeMs += b.times.encodeMs;
  }

  /** Records that a batch's outputs were acknowledged. `timestamps` are the records' own (ms, strings). */
  acked(receivedMs: number, produceMs: number, timestamps: readonly string[]): void {
    const now = Date.now();
    this.batchLatency.accept(Math.max(0, now - receivedMs));
    this.produceAck.accept(Math.max(0, produceMs));
    for (const ts of timestamps) {
      const latency = now - Number(ts);
      // Clocks of other hosts may be ahead; a negative latency says nothing about this process.
      if (latency >= 0) this.endToEnd.accept(latency);
    }
    this.ackedInInterval += timestamps.length;
  }

  modelReloaded(): void {
    this.totals.modelReloads++;
  }

  /**
   * The snapshot for the interval that ends now; starts the next interval, unless `isPeek` (an ops
   * endpoint scrape, which must not cut the logged intervals short).
   */
  snapshot(extra: { consumer: FeedStats; threshold: number | null; isThresholdWarm: boolean; modelVersion: number; drift?: DriftStats }, isPeek = false): MetricsSnapshot {
    const now = performance.now();
    const intervalMs = now - this.intervalStart;
    const memory = process.memoryUsage();
    const snap: MetricsSnapshot = {
      ...this.totals,
      deadLettersByReason: { ...this.totals.deadLettersByReason },
      parseMs: round(this.totals.parseMs),
      arrowMs: round(this.totals.arrowMs),
      modelMs: round(this.totals.modelMs),
      encodeMs: round(this.totals.encodeMs),
      intervalMs: Math.round(intervalMs),
      messagesPerSec: intervalMs > 0 ? Math.round((this.ackedInInterval * 1000) / intervalMs) : 0,
      batchLatencyMs: quantiles(this.batchLatency),
      endToEndLatencyMs: quantiles(this.endToEnd),
      produceAckMs: quantiles(this.produceAck),
      ...extra,
      rssMb: Math.round(memory.rss / 2 ** 20),
      heapUsedMb: Math.round(memory.heapUsed / 2 ** 20),
      numTensors: tf.memory().numTensors,
    };
    if (isPeek) return snap;
    this.batchLatency = new DDSketch();
    this.endToEnd = new DDSketch();
    this.produceAck = new DDSketch();
    this.ackedInInterval = 0;
    this.intervalStart = now;
    return snap;
  }
}

function quantiles(s: DDSketch): Quantiles {
  if (s.count === 0) return { p50: null, p99: null, max: null, count: 0 };
  return { p50: round(s.getValueAtQuantile(0.5)), p99: round(s.getValueAtQuantile(0.99)), max: round(s.max), count: s.count };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
