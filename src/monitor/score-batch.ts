import type { Message, TopicMessages } from 'kafkajs';
import { Bool, makeVector, makeData } from 'apache-arrow';
import { withColumns, float32Column, float64Column, matrixColumns, type NamedColumn } from '../io/batch.js';
import { extractFeatures } from '../io/features.js';
import type { FeedBatch } from '../kafka/consumer-feed.js';
import { deadLetterMessage } from '../kafka/output-codec.js';
import { decodeRecords, type DeadLetterReason, type DecodedRecords, type FeatureMapping } from '../kafka/record-codec.js';
import { toRecordBatch, type KafkaColumns } from '../kafka/record-batch.js';
import { encodeScored } from '../kafka/scored-messages.js';
import type { Detector } from '../models/detector.js';
import type { Matrix } from '../models/matrix.js';
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
  /**
   * Flags for the batch's scores (a fixed threshold, or an adaptive one that learns from them), or for their
   * p-values when the scorer computes them.
   */
  flag(scores: Float32Array, pValues: Float64Array | undefined): boolean[];
  /** Conformal p-values of the batch's scores, when the monitor flags by them (`pValueRule`); appended as `outputs.pValue`. */
  pValues?(scores: Float32Array): Float64Array;
  /** Names of the fields appended to each record (see {@link outputNames}); `code` empty without the latent code. */
  outputs: OutputNames;
}

/** The fields the monitor appends to a scored record. */
export interface OutputNames {
  score: string;
  flag: string;
  /** The conformal p-value, when appended (`pValueRule`). */
  pValue?: string;
  /** The latent code z0..z{k-1}, when appended. */
  code: readonly string[];
}

/** The outcome of scoring one batch: every input record is in exactly one of scored or dead letters. */
export interface ScoredBatch {
  messages: TopicMessages[];
  messagesIn: number;
  scored: number;
  anomalies: number;
  deadLetters: Partial<Record<DeadLetterReason, number>>;
  times: StepTimes;
  /** The scored records' raw feature values and scores, in order (for drift checks); null when none was scored. */
  features: Matrix | null;
  scores: Float32Array;
}

/** Column names of the score path (as in the `score` and `threshold` stages). */
export const SCORE_COLUMN = 'score';
export const FLAG_COLUMN = 'is_anomaly';
export const CODE_PREFIX = 'z';
export const P_VALUE_COLUMN = 'p_value';

/**
 * The appended field names with `outputPrefix` (the monitor's `--output-prefix`), `codeWidth` code columns
 * (0: none) and, with `hasPValue`, the p-value.
 */
export function outputNames(outputPrefix: string, codeWidth: number, hasPValue = false): OutputNames {
  return {
    score: `${outputPrefix}${SCORE_COLUMN}`,
    flag: `${outputPrefix}${FLAG_COLUMN}`,
    ...(hasPValue ? { pValue: `${outputPrefix}${P_VALUE_COLUMN}` } : {}),
    code: Array.from({ length: codeWidth }, (_, c) => `${outputPrefix}${CODE_PREFIX}${c}`),
  };
}

/**
 * The monitor's score path for one batch, the same steps as the pipeline `kafka-source -> score ->
 * threshold -> kafka-sink`: decode JSON (bad records become dead letters with their reason), build the
 * Arrow batch, score it, flag it, and encode the outputs. Synchronous: one model scores the whole batch.
 * A record that already has a top-level field named like an output is never overwritten: it becomes a
 * dead letter (`output-collision`) naming the field and `--output-prefix`.
 */
export function scoreBatch(batch: FeedBatch, scorer: Scorer, names: KafkaColumns, topics: OutputTopics): ScoredBatch {
  const t0 = cpuMs();
  const out = scorer.outputs;
  const reserved = [out.score, out.flag, ...(out.pValue !== undefined ? [out.pValue] : []), ...out.code];
  const decoded = withoutCollisions(batch.records, decodeRecords(batch.records, scorer.mapping, reserved), reserved, scorer.mapping.features.length);
  const t1 = cpuMs();
  const arrow = toRecordBatch(batch.records, decoded, scorer.mapping, names, new Map());
  const t2 = cpuMs();

  const columns: NamedColumn[] = [];
  let flags: boolean[] = [];
  let scores: Float32Array = new Float32Array(0);
  let x: Matrix | null = null;
  if (arrow.numRows > 0) {
    // Values were checked finite while decoding, so the `error` policy never fires.
    x = extractFeatures(arrow, 0, scorer.mapping.features, 'error').matrix;
    scores = scorer.detector.score(x);
    const pValues = scorer.pValues?.(scores);
    flags = scorer.flag(scores, pValues);
    columns.push(float32Column(out.score, scores), { name: out.flag, vector: boolVector(flags) });
    if (pValues !== undefined && out.pValue !== undefined) columns.push(float64Column(out.pValue, pValues));
    if (out.code.length > 0) columns.push(...matrixColumns(scorer.detector.encode(x), out.code));
  }
  const t3 = cpuMs();

  const scored = arrow.numRows > 0 ? withColumns(arrow, columns) : arrow;
  // Appended after score and flag, in column order: the p-value, then the code.
  const codeNames = columns.slice(2).map((c) => c.name);
  // The records' own key and value Buffers, and which ones already have a score field (seen while parsing).
  const rows = decoded.accepted.map((i) => batch.records[i]);
  const encoded = encodeScored(scored, { names, scoreColumn: out.score, flagColumn: out.flag, extraColumns: codeNames, rows, taken: decoded.taken });
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
    features: x,
    scores,
  };
}

/**
 * `decoded` with the accepted records that already have one of `reserved` as a top-level field moved to
 * the rejected ones (`output-collision`), so what is encoded has none (`taken` all 0: the fast splice).
 */
function withoutCollisions(records: FeedBatch['records'], decoded: DecodedRecords, reserved: readonly string[], d: number): DecodedRecords {
  const taken = decoded.taken!;
  if (!taken.includes(1)) return decoded;
  const accepted: number[] = [];
  const values = new Float64Array(decoded.values.length);
  const rejected = [...decoded.rejected];
  decoded.accepted.forEach((index, k) => {
    if (taken[k] === 1) {
      // Rare: parse once more to name the field (the decoder kept only the bit).
      const parsed = JSON.parse(records[index].value!.toString('utf8')) as object;
      const field = reserved.find((name) => Object.hasOwn(parsed, name))!;
      rejected.push({
        index,
        reason: 'output-collision',
        detail: `the record already has a field "${field}", which the monitor's output of that name would replace; set --output-prefix (e.g. --output-prefix lf_ writes lf_${field}) to rename the outputs`,
      });
      return;
    }
    values.set(decoded.values.subarray(k * d, (k + 1) * d), accepted.length * d);
    accepted.push(index);
  });
  rejected.sort((a, b) => a.index - b.index);
  return { accepted, values: values.subarray(0, accepted.length * d), rejected, taken: new Uint8Array(accepted.length) };
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

