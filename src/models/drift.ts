import type { DriftRule } from './drift-options.js';
import type { Matrix } from './matrix.js';
import { countAtMost, countBelow, quantileSorted, sortedCopy } from './order-statistics.js';

/**
 * What a fitted model remembers of its training distribution for drift checks (issue 15 item 4): for
 * every feature and for the score, the edges of `bins` quantile bins of the training values and the share
 * of training rows in each bin (ties can make the shares unequal), plus, for the score, the share of
 * training scores at or below each of 99 percentiles (the reference CDF the KS statistic is read against).
 */
export interface DriftReference {
  version: 1;
  /** Scores the score reference was taken from (the KS critical value needs their number). */
  rows: number;
  features: BinnedReference[];
  score: BinnedReference & { percentiles: number[]; cdf: number[] };
}

/** Interior edges (ascending, `bins - 1` of them) and the training share of each of the `bins` bins. */
export interface BinnedReference {
  edges: number[];
  expected: number[];
}

/** Bins per feature and for the score: deciles, the usual grid of the population stability index. */
export const DRIFT_BINS = 10;

/**
 * Rows the reference is computed from, at most: every `ceil(rows / this)`-th row beyond it. Deciles of
 * 100,000 rows are within about 0.1 % of the population's, and the fit does not sort millions of values
 * per feature.
 */
const REFERENCE_MAX_ROWS = 100_000;

/** A share below this counts as this much in PSI, so an empty bin gives a large but finite term. */
const SHARE_FLOOR = 1e-4;

/**
 * The reference of training rows `parts` (raw feature values, one matrix or its batches) and of `scores`: the held-out calibration
 * scores when the fit kept some, else the training rows' own, which an overfitted model scores lower than
 * fresh rows of the same distribution (so its score KS then errs towards alarms).
 */
export function driftReference(parts: Matrix | readonly Matrix[], scores: ArrayLike<number>): DriftReference {
  const batches: readonly Matrix[] = Array.isArray(parts) ? parts : [parts as Matrix];
  const rows = batches.reduce((n, b) => n + b.rows, 0);
  const cols = batches[0]?.cols ?? 0;
  const features: BinnedReference[] = [];
  const step = Math.ceil(rows / REFERENCE_MAX_ROWS);
  const column = new Float64Array(Math.ceil(rows / step));
  for (let j = 0; j < cols; j++) {
    // Every step-th row of the whole stream, across batch edges.
    let i = 0;
    let r = 0;
    for (const b of batches) {
      for (; r < b.rows; r += step) column[i++] = b.data[r * cols + j];
      r -= b.rows;
    }
    features.push(binned(column.subarray(0, i)));
  }
  const scoreStep = Math.ceil(scores.length / REFERENCE_MAX_ROWS);
  const sortedScores = sortedCopy(Float64Array.from({ length: Math.ceil(scores.length / scoreStep) }, (_, i) => scores[i * scoreStep]));
  const percentiles = Array.from({ length: 99 }, (_, i) => quantileSorted(sortedScores, (i + 1) / 100));
  return {
    version: 1,
    rows: sortedScores.length,
    features,
    score: { ...binned(sortedScores), percentiles, cdf: percentiles.map((p) => countAtMost(sortedScores, p) / sortedScores.length) },
  };
}

function binned(values: Float64Array): BinnedReference {
  const sorted = sortedCopy(values);
  const edges = Array.from({ length: DRIFT_BINS - 1 }, (_, i) => quantileSorted(sorted, (i + 1) / DRIFT_BINS));
  const counts = new Array<number>(DRIFT_BINS).fill(0);
  for (const v of sorted) counts[binOf(edges, v)]++;
  return { edges, expected: counts.map((c) => c / sorted.length) };
}

/** Bin of `v`: the number of edges at or below it (a value equal to an edge goes to the bin above). */
export function binOf(edges: readonly number[], v: number): number {
  return countAtMost(edges, v);
}

/** Population stability index of observed bin shares against the reference: sum (o - e) ln(o / e). */
export function psi(expected: readonly number[], observed: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], SHARE_FLOOR);
    const o = Math.max(observed[i], SHARE_FLOOR);
    sum += (o - e) * Math.log(o / e);
  }
  return sum;
}

/**
 * Two-sample Kolmogorov–Smirnov critical value at level `alpha` for samples of `n` and `m` rows:
 * c(alpha) sqrt((n + m) / (n m)), c(alpha) = sqrt(-ln(alpha / 2) / 2).
 */
export function ksCritical(alpha: number, n: number, m: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

/** Drift windows checked, alarms raised, and the last window's figures: what stats and metrics report. */
export interface DriftStats {
  windows: number;
  alarms: number;
  maxFeaturePsi: number;
  scorePsi: number;
  scoreKs: number;
  isDrifted: boolean;
}

/** Counts windows and alarms over a whole run, across model reloads (each reload starts a new DriftMonitor). */
export class DriftTally {
  private windows = 0;
  private alarms = 0;
  private last: DriftWindow | undefined;

  record(w: DriftWindow): void {
    this.windows++;
    if (w.isAlarm) this.alarms++;
    this.last = w;
  }

  /** The figures so far. */
  stats(): DriftStats {
    const w = this.last;
    return { windows: this.windows, alarms: this.alarms, maxFeaturePsi: w?.maxFeaturePsi ?? 0, scorePsi: w?.scorePsi ?? 0, scoreKs: w?.scoreKs ?? 0, isDrifted: w?.isAlarm ?? false };
  }

  /** PSI of each feature in the last window, keyed by `featureNames` (empty before the first window). */
  featurePsi(featureNames: readonly string[]): Record<string, number> {
    return Object.fromEntries((this.last?.featurePsi ?? []).map((v, j) => [featureNames[j], v]));
  }
}

/** The event of a drifted window, as logged and as produced to an alerts topic. */
export interface DriftEvent {
  type: 'drift';
  model: string;
  modelVersion: number;
  window: number;
  rows: number;
  features: string[];
  maxFeaturePsi: number;
  scorePsi: number;
  scoreKs: number;
  ksCritical: number;
  at: string;
}

/** The event of window `w` of model `model` (version `modelVersion`), its drifted features named by `featureNames`. */
export function driftEvent(w: DriftWindow, featureNames: readonly string[], model: string, modelVersion: number): DriftEvent {
  return {
    type: 'drift',
    model,
    modelVersion,
    window: w.window,
    rows: w.rows,
    features: w.driftedFeatures.map((j) => featureNames[j]),
    maxFeaturePsi: w.maxFeaturePsi,
    scorePsi: w.scorePsi,
    scoreKs: w.scoreKs,
    ksCritical: w.ksCritical,
    at: new Date().toISOString(),
  };
}

/** The one-line message of a drift event. */
export function driftMessage(e: DriftEvent): string {
  return `drift detected in window ${e.window}: ${e.features.length > 0 ? `features ${e.features.join(', ')}` : 'score distribution'} moved from training`;
}

/** One finished window. */
export interface DriftWindow {
  /** 1-based window number. */
  window: number;
  rows: number;
  /** PSI of each feature, in model feature order. */
  featurePsi: number[];
  maxFeaturePsi: number;
  /** Indices of the features whose PSI passed the alarm level. */
  driftedFeatures: number[];
  scorePsi: number;
  /** Largest gap between the window's and the training CDF of scores, over the 99 training percentiles. */
  scoreKs: number;
  ksCritical: number;
  isAlarm: boolean;
}

/**
 * Compares consecutive windows of `windowRows` rows with a {@link DriftReference}: per feature the PSI of
 * its decile shares, for the score its PSI and a KS statistic. A window is an alarm when a feature's or
 * the score's PSI passes `psiAlarm` or the score's KS statistic passes the critical value at `ksAlpha`.
 * Memory is the bin counts of one window; rows with a non-finite score count for the features only.
 */
export class DriftMonitor {
  private readonly d: number;
  private featureCounts: Float64Array;
  private scoreCounts: Float64Array;
  // below[i]: scores of the window with exactly i training percentiles below them.
  private below: Float64Array;
  private rows = 0;
  private scored = 0;
  private windows = 0;

  constructor(
    private readonly reference: DriftReference,
    private readonly rule: DriftRule,
  ) {
    this.d = reference.features.length;
    this.featureCounts = new Float64Array(this.d * DRIFT_BINS);
    this.scoreCounts = new Float64Array(DRIFT_BINS);
    this.below = new Float64Array(reference.score.percentiles.length + 1);
  }

  /** Adds rows (raw features, `scores[r]` for row r) and returns the windows they completed. */
  add(x: Matrix, scores: ArrayLike<number>): DriftWindow[] {
    const done: DriftWindow[] = [];
    const { features, score } = this.reference;
    for (let r = 0; r < x.rows; r++) {
      for (let j = 0; j < this.d; j++) this.featureCounts[j * DRIFT_BINS + binOf(features[j].edges, x.data[r * x.cols + j])]++;
      const s = scores[r];
      if (Number.isFinite(s)) {
        this.scoreCounts[binOf(score.edges, s)]++;
        this.below[countBelow(score.percentiles, s)]++;
        this.scored++;
      }
      if (++this.rows === this.rule.windowRows) done.push(this.close());
    }
    return done;
  }

  private close(): DriftWindow {
    const { features, score } = this.reference;
    const n = this.rows;
    const featurePsi = features.map((f, j) => psi(f.expected, Array.from(this.featureCounts.subarray(j * DRIFT_BINS, (j + 1) * DRIFT_BINS), (c) => c / n)));
    const scorePsi = this.scored > 0 ? psi(score.expected, Array.from(this.scoreCounts, (c) => c / this.scored)) : 0;
    let scoreKs = 0;
    let cumulative = 0;
    for (let i = 0; i < score.percentiles.length && this.scored > 0; i++) {
      cumulative += this.below[i];
      scoreKs = Math.max(scoreKs, Math.abs(cumulative / this.scored - score.cdf[i]));
    }
    const critical = ksCritical(this.rule.ksAlpha, Math.max(1, this.scored), this.reference.rows);
    const driftedFeatures = featurePsi.flatMap((p, j) => (p > this.rule.psiAlarm ? [j] : []));
    const window: DriftWindow = {
      window: ++this.windows,
      rows: n,
      featurePsi,
      maxFeaturePsi: Math.max(0, ...featurePsi),
      driftedFeatures,
      scorePsi,
      scoreKs,
      ksCritical: critical,
      isAlarm: driftedFeatures.length > 0 || scorePsi > this.rule.psiAlarm || scoreKs > critical,
    };
    this.featureCounts.fill(0);
    this.scoreCounts.fill(0);
    this.below.fill(0);
    this.rows = 0;
    this.scored = 0;
    return window;
  }
}
