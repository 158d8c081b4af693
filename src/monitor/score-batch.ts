import type { Message, TopicMessages } from 'kafkajs';
import { Bool, makeVector, makeData } from 'apache-arrow';
import { withColumns, float32Column, matrixColumns, type NamedColumn } from '../io/batch.js';
import { extractFeatures } from '../io/features.js';
import type { FeedBatch } from '../kafka/consumer-feed.js';
import { deadLetterMessage } from '../kafka/output-codec.js';
import { decodeRecords, type DeadLetterReason, type FeatureMapping } from '../kafka/record-codec.js';
import { toRecordBatch, type KafkaColumns } from '../kafka/record-batch.js';
import { encodeScored } from '../kafka/scored-messages.js';
import type { Detector } from '../models/detector.js';
import type { StepTimes } from './metrics.js';

/** Where the outputs go; `anomalies` is optional. */
export interface OutputTopics {
  scored: string;
  anomalies?: string;
  deadLetter: string;
}

/** What one batch is scored with. Built once per model version. */
export interface Scorer {
  detector: Detector;
  mapping: FeatureMapping;
  /** Flags for the batch's scores (a fixed threshold, or an adaptive one that learns from them). */
  flag(scores: Float32Array): boolean[];
  /** Append the latent code z0..z{k-1}. */
  hasCode: boolean;
}

/** The outcome of scoring one batch: every input record is in exactly one of scored or dead letters. */
export interface ScoredBatch {
  messages: TopicMessages[];
  messagesIn: number;
  scored: number;
  anomalies: number;
  deadLetters: Partial<Record<DeadLetterReason, number>>;
  times: StepTimes;
}

/** Column names of the score path (as in the `score` and `threshold` stages). */
export const SCORE_COLUMN = 'score';
export const FLAG_COLUMN = 'is_anomaly';
export const CODE_PREFIX = 'z';

/**
 * The monitor's score path for one batch, the same steps as the pipeline `kafka-source -> score ->
 * threshold -> kafka-sink`: decode JSON (bad records become dead letters with their reason), build the
 * Arrow batch, score it, flag it, and encode the outputs. Synchronous: one model scores the whole batch.
 */
export function scoreBatch(batch: FeedBatch, scorer: Scorer, names: KafkaColumns, topics: OutputTopics): ScoredBatch {
  const t0 = cpuMs();
  // With the latent code appended the names z0.. are known only after scoring: the encoder searches the bytes.
  const decoded = decodeRecords(batch.records, scorer.mapping, scorer.hasCode ? undefined : [SCORE_COLUMN, FLAG_COLUMN]);
  const t1 = cpuMs();
  const arrow = toRecordBatch(batch.records, decoded, scorer.mapping, names, new Map());
  const t2 = cpuMs();

  const columns: NamedColumn[] = [];
  let flags: boolean[] = [];
  let scores: Float32Array = new Float32Array(0);
  if (arrow.numRows > 0) {
    // Values were checked finite while decoding, so the `error` policy never fires.
    const x = extractFeatures(arrow, 0, scorer.mapping.features, 'error').matrix;
    scores = scorer.detector.score(x);
    flags = scorer.flag(scores);
    columns.push(float32Column(SCORE_COLUMN, scores), { name: FLAG_COLUMN, vector: boolVector(flags) });
    if (scorer.hasCode) {
      const code = scorer.detector.encode(x);
      columns.push(...matrixColumns(code, Array.from({ length: code.cols }, (_, c) => `${CODE_PREFIX}${c}`)));
    }
  }
  const t3 = cpuMs();

  const scored = arrow.numRows > 0 ? withColumns(arrow, columns) : arrow;
  const codeNames = columns.slice(2).map((c) => c.name);
  // The records' own key and value Buffers, and which ones already have a score field (seen while parsing).
  const rows = decoded.accepted.map((i) => batch.records[i]);
  const encoded = encodeScored(scored, { names, scoreColumn: SCORE_COLUMN, flagColumn: FLAG_COLUMN, extraColumns: codeNames, rows, taken: decoded.taken });
  const dead: Message[] = [];
  const deadLetters: Partial<Record<DeadLetterReason, number>> = {};
  const count = (reason: DeadLetterReason) => (deadLetters[reason] = (deadLetters[reason] ?? 0) + 1);
  for (const r of decoded.rejected) {
    dead.push(deadLetterMessage(batch.records[r.index], r.reason, r.detail));
    count(r.reason);
  }
  for (const row of encoded.unscorable) {
    dead.push(deadLetterMessage(batch.records[decoded.accepted[row]], 'score-failed', `the model gave a non-finite score (${scores[row]}); check the feature values' range`));
    count('score-failed');
  }
  const messages: TopicMessages[] = [{ topic: topics.scored, messages: encoded.scored }];
  if (topics.anomalies !== undefined) messages.push({ topic: topics.anomalies, messages: encoded.anomalies });
  messages.push({ topic: topics.deadLetter, messages: dead });
  const t4 = cpuMs();

  return {
    messages,
    messagesIn: batch.records.length,
    scored: encoded.scored.length,
    anomalies: encoded.anomalies.length,
    deadLetters,
    times: { parseMs: t1 - t0, arrowMs: t2 - t1, modelMs: t3 - t2, encodeMs: t4 - t3 },
  };
}

/**
 * CPU time of this process so far (ms, user + system). Step times are CPU, not wall clock: on a shared
 * machine the wall clock also counts the time spent waiting for a core. `getrusage` costs about a
 * microsecond, five calls per batch.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A non-null Arrow Bool vector of `flags`, its bits set directly (Arrow's generic builder is slower). */
function boolVector(flags: readonly boolean[]) {
  const bits = new Uint8Array((flags.length + 7) >> 3);
  for (let i = 0; i < flags.length; i++) if (flags[i]) bits[i >> 3] |= 1 << (i & 7);
  return makeVector(makeData({ type: new Bool(), length: flags.length, nullCount: 0, data: bits }));
}

