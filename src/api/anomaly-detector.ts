import { loadDetector, saveDetector } from '../artifact/model-dir.js';
import { ModelStateError } from '../errors.js';
import type { MissingPolicy } from '../io/features.js';
import { readFeatures } from '../stages/shared/feature-input.js';
import { conformalPValues, requireCalibration } from '../models/conformal.js';
import type { Detector, DetectorKind } from '../models/detector.js';
import type { Matrix } from '../models/matrix.js';
import type { ThresholdState } from '../models/threshold.js';
import { selectBackend, type BackendPreference } from '../runtime/backend.js';
import { locatedBatches } from '../connectors/table-source.js';
import { inputBatches, type DetectorInput } from './detector-input.js';

/** Options of {@link AnomalyDetector.score} and the methods built on it. */
export interface ScoreOptions {
  /**
   * Null/NaN/infinite feature values (default: the policy the model was fitted with). `drop` scores such
   * rows NaN, in place, so the output stays aligned with the input (`predict` gives them 0).
   */
  onMissing?: MissingPolicy;
}

/**
 * A fitted detector for code (what {@link fitDetector} returns): scores, 0/1 predictions against the saved
 * threshold, latent codes, and a model directory the CLI, pipelines and the monitor read too.
 * Named input (an Arrow Table, record batches) is matched to the features by column name; unnamed input
 * (a matrix, number[][]) by position, in the order of {@link features}. Call `dispose()` when done: the
 * network's weights live in TensorFlow.js memory.
 */
export class AnomalyDetector {
  constructor(readonly detector: Detector) {}

  /** Reads a model directory written by `save`, `latentflow fit` or a pipeline. */
  static async load(dir: string, options: { backend?: BackendPreference } = {}): Promise<AnomalyDetector> {
    await selectBackend(options.backend);
    return new AnomalyDetector(await loadDetector(dir));
  }

  get kind(): DetectorKind {
    return this.detector.kind;
  }

  /** Feature columns, in the order unnamed input must follow. */
  get features(): readonly string[] {
    return this.detector.features;
  }

  /** The score above which a row is an anomaly, and the rule that fitted it. */
  get threshold(): ThresholdState {
    const state = this.detector.threshold;
    if (state === null) throw new ModelStateError(`this ${this.kind} model was saved without a threshold; refit it (every fit now saves one)`);
    return state;
  }

  /** Anomaly score per row, higher is more anomalous. */
  score(data: DetectorInput, options: ScoreOptions = {}): Float32Array {
    return this.perRow(data, options, (x) => ({ data: this.detector.score(x), rows: x.rows, cols: 1 })).data;
  }

  /** 1 where the score is above the threshold, else 0 (PyOD's `predict`). */
  predict(data: DetectorInput, options: ScoreOptions = {}): Uint8Array {
    const cut = this.threshold.threshold;
    return Uint8Array.from(this.score(data, options), (s) => (s > cut ? 1 : 0));
  }

  /**
   * Conformal p-value per row against the calibration scores saved with the model (fit with
   * `calibrationSplit`): (1 + #{calibration ≥ score}) / (n + 1); NaN where `drop` left a row out.
   * `flagByFpr(p, alpha)` / `flagByFdr(p, q)` turn them into flags. ModelStateError without calibration.
   */
  pValues(data: DetectorInput, options: ScoreOptions = {}): Float64Array {
    const calibration = requireCalibration(this.detector.calibration, 'pValues');
    return conformalPValues(calibration.scores, this.score(data, options));
  }

  /** Latent code per row (autoencoder code, or PCA components); NaN rows where `drop` left a row out. */
  encode(data: DetectorInput, options: ScoreOptions = {}): Matrix {
    return this.perRow(data, options, (x) => this.detector.encode(x));
  }

  /** Writes the model directory atomically (absent, empty, or a model directory latentflow wrote). */
  save(dir: string): Promise<void> {
    return saveDetector(dir, this.detector);
  }

  dispose(): void {
    this.detector.dispose();
  }

  /** Runs `fn` on the features of every batch of `data` and lays its rows out in input order (NaN for dropped rows). */
  private perRow(data: DetectorInput, options: ScoreOptions, fn: (x: Matrix) => Matrix): Matrix {
    const policy = options.onMissing ?? this.detector.missing.policy;
    const means = this.detector.missingValuesFor(policy);
    const batches = locatedBatches(inputBatches(data, this.features));
    const parts = batches.map((batch, i) => {
      const { matrix, keptRows } = readFeatures(batch, i, this.detector, policy, means);
      return { rows: batch.numRows, keptRows, result: matrix.rows > 0 ? fn(matrix) : null };
    });
    const rows = parts.reduce((n, p) => n + p.rows, 0);
    const width = parts.find((p) => p.result !== null)?.result?.cols ?? 0;
    const out = new Float32Array(rows * width).fill(Number.NaN);
    let offset = 0;
    for (const { rows: n, keptRows, result } of parts) {
      if (result !== null) {
        if (keptRows === null) out.set(result.data, offset * width);
        else keptRows.forEach((row, r) => out.set(result.data.subarray(r * width, (r + 1) * width), (offset + row) * width));
      }
      offset += n;
    }
    return { data: out, rows, cols: width };
  }
}
