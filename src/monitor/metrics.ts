import * as tf from '../runtime/tf.js';
import type { FeedStats } from '../kafka/consumer-feed.js';
import type { DeadLetterReason } from '../kafka/record-codec.js';
import type { DriftStats } from '../models/drift.js';
import { isConformalRule } from '../models/conformal.js';
import type { Quantiles } from '../runtime/latency.js';
import type { RunStatistics } from '../pipeline/runner.js';
import { MONITOR_STAGES } from './monitor-spec.js';

/**
 * One metrics record of the monitor, as logged every `metricsIntervalMs` and returned at the end: the run
 * statistics of its pipeline in the monitor's terms. Counters and latencies cover the whole run;
 * `messagesPerSec` covers the interval since the previous snapshot.
 */
export interface MetricsSnapshot {
  /** Batches that reached the sink. */
  batches: number;
  /** Records read from the input topic and handed to the pipeline (dead letters included). */
  messagesIn: number;
  /** Records written to the scored topic and acknowledged. */
  scored: number;
  /** Flagged records acknowledged. */
  anomalies: number;
  /** Dead letters sent: unparseable records (by the source), unscorable ones and output collisions (by the sink). */
  deadLetters: number;
  deadLettersByReason: Partial<Record<DeadLetterReason, number>>;
  /** Categorical values never seen at fit, scored in their unknown slot (a mixed-type model's `onUnknown: slot`). */
  unknownValues: number;
  /** Model replacements picked up (the model version minus one). */
  modelReloads: number;
  modelVersion: number;
  intervalMs: number;
  /** Records acknowledged per second over the interval. */
  messagesPerSec: number;
  /** From a batch leaving the consumer until every output of it was acknowledged (ms). */
  batchLatencyMs: Quantiles;
  /** Record timestamp (producer's CreateTime) until its output is acknowledged (ms). */
  endToEndLatencyMs: Quantiles;
  /** Time the producer took to acknowledge a batch (ms). */
  produceAckMs: Quantiles;
  consumer: FeedStats;
  threshold: number | null;
  isThresholdWarm: boolean;
  /** Drift windows so far and the last one's figures (option `drift`); absent without it. */
  drift?: DriftStats;
  rssMb: number;
  heapUsedMb: number;
  numTensors: number;
}

const EMPTY: Quantiles = { p50: null, p99: null, max: null, count: 0 };

/** Reads run statistics as monitor metrics; keeps the previous snapshot's acknowledged count for `messagesPerSec`. */
export class MonitorMetrics {
  private last = { atMs: 0, acknowledged: 0 };

  snapshot(stats: RunStatistics): MetricsSnapshot {
    const of = (id: string) => stats.stages.find((s) => s.id === id)?.stats ?? {};
    const source = of(MONITOR_STAGES.source) as Partial<FeedStats> & { deadLetters?: Partial<Record<DeadLetterReason, number>> };
    const sink = of(MONITOR_STAGES.sink) as {
      rowsAcknowledged?: number;
      rowsWritten?: number;
      anomalies?: number;
      deadLetters?: Partial<Record<DeadLetterReason, number>>;
      latencyMs?: { produceAck: Quantiles; endToEnd: Quantiles };
    };
    const threshold = of(MONITOR_STAGES.threshold) as { threshold?: number | null; isWarm?: boolean; method?: string };
    const drift = stats.stages.some((s) => s.id === MONITOR_STAGES.drift) ? (of(MONITOR_STAGES.drift) as unknown as DriftStats & { featurePsi?: unknown }) : undefined;
    const modelVersion = Number(of(MONITOR_STAGES.score).modelVersion ?? 0);
    const unknownValues = Number(of(MONITOR_STAGES.score).unknownValues ?? 0);
    const byReason: Partial<Record<DeadLetterReason, number>> = {};
    for (const counts of [source.deadLetters ?? {}, sink.deadLetters ?? {}]) {
      for (const [reason, n] of Object.entries(counts) as [DeadLetterReason, number][]) byReason[reason] = (byReason[reason] ?? 0) + n;
    }
    const acknowledged = sink.rowsAcknowledged ?? 0;
    const intervalMs = stats.elapsedMs - this.last.atMs;
    const messagesPerSec = intervalMs > 0 ? Math.round(((acknowledged - this.last.acknowledged) * 1000) / intervalMs) : 0;
    this.last = { atMs: stats.elapsedMs, acknowledged };
    const { deadLetters: _source, lagByPartition: _lag, ...consumer } = source as Record<string, unknown>;
    const memory = process.memoryUsage();
    return {
      batches: stats.batches,
      messagesIn: source.handedOut ?? 0,
      scored: sink.rowsWritten ?? 0,
      anomalies: sink.anomalies ?? 0,
      deadLetters: Object.values(byReason).reduce((a, n) => a + n, 0),
      deadLettersByReason: byReason,
      unknownValues,
      modelReloads: Math.max(0, modelVersion - 1),
      modelVersion,
      intervalMs,
      messagesPerSec,
      batchLatencyMs: stats.settleLatencyMs,
      endToEndLatencyMs: sink.latencyMs?.endToEnd ?? EMPTY,
      produceAckMs: sink.latencyMs?.produceAck ?? EMPTY,
      consumer: consumer as unknown as FeedStats,
      // With a p-value rule no score cut-off applies (fdr's moves with every batch).
      threshold: threshold.method !== undefined && isConformalRule({ method: threshold.method }) ? null : (threshold.threshold ?? null),
      isThresholdWarm: threshold.isWarm ?? true,
      ...(drift !== undefined ? { drift: { windows: drift.windows, alarms: drift.alarms, maxFeaturePsi: drift.maxFeaturePsi, scorePsi: drift.scorePsi, scoreKs: drift.scoreKs, isDrifted: drift.isDrifted } } : {}),
      rssMb: Math.round(memory.rss / 2 ** 20),
      heapUsedMb: Math.round(memory.heapUsed / 2 ** 20),
      numTensors: tf.memory().numTensors,
    };
  }
}
