import { Autoencoder } from '../models/autoencoder/autoencoder.js';
import { AutoencoderEnsemble, type ResolvedEnsemble } from '../models/autoencoder/autoencoder-ensemble.js';
import { ENSEMBLE_WIDTH_FACTORS } from '../models/autoencoder/autoencoder-options.js';
import type { Detector } from '../models/detector.js';
import type { ColumnEncoding } from '../models/feature-encoding.js';
import { PcaModel } from '../models/pca.js';
import type { ThresholdState } from '../models/threshold.js';

/** The facts about a detector that a report shows (what `latentflow info` prints, from the live model). */
export interface ModelSummary {
  kind: Detector['kind'];
  /** Autoencoder family member and its options, e.g. `denoising (gaussian, sigma 0.1)`; `pca` for PCA. */
  variant: string;
  features: string[];
  /**
   * Each feature's kind and encoding in words (`device: categorical, one-hot 4 + other/unknown/null`), and the
   * policy for unseen categories; null when every feature is numeric (no encoding).
   */
  featureKinds: { columns: string[]; onUnknown: string; slots: number } | null;
  /** Layer widths input → code → output, e.g. `8-32-16-3-16-32-8`; for PCA `8 → k components`. */
  architecture: string;
  /** Width of the code the rows are compressed to: the autoencoder's bottleneck, PCA's k; null when unknown. */
  codeSize: number | null;
  /** Trainable weights (autoencoder, all members of an ensemble) or stored numbers (PCA: mean + components); null when unknown. */
  parameters: number | null;
  /** An autoencoder ensemble's options (members, widths); null for one network or PCA. */
  ensemble: ResolvedEnsemble | null;
  scaler: string;
  missingPolicy: string;
  backend: string;
  /** Fit wall time, milliseconds. */
  fitMs: number;
  trainingRows: number;
  seed: number;
  createdAt: string;
  /** Epochs run and the 1-based epoch whose weights are kept; null for PCA. */
  epochs: number | null;
  bestEpoch: number | null;
  stoppedEarly: boolean | null;
  /** The stopping rule and limits the model was configured with, in words; null for PCA. */
  stoppingRule: string | null;
  /** How training ended, in words (`converged: ...` or `not converged: ...`); null for PCA or old models. */
  stopping: string | null;
  /** Whether the stopping rule ended training; null when unknown (PCA, old models, no stopping rule). */
  converged: boolean | null;
  finalLoss: number | null;
  finalValLoss: number | null;
  /** Sum of the kept components' explained-variance ratios (PCA only). */
  explainedVariance: number | null;
  threshold: ThresholdState | null;
  /** Held-out rows whose scores were saved for conformal p-values, and their share; null when none were. */
  calibration: { rows: number; fraction: number } | null;
  /** Rows behind the training reference of the drift stage (its score reference); null in models saved before it. */
  driftReferenceRows: number | null;
  /** Per-epoch losses for the loss-curve chart; null without a training history (PCA, or none saved). */
  history: { loss: number[]; valLoss: number[]; bestEpoch?: number } | null;
}

/** Reads the summary off a detector (fitted in this run or loaded from a model directory). */
export function modelSummary(detector: Detector): ModelSummary {
  const t = detector.training;
  const history = t.history && t.history.loss.length > 0 ? t.history : null;
  const base = {
    kind: detector.kind,
    features: [...detector.features],
    featureKinds: detector.encoding === null ? null : { columns: detector.encoding.columns.map(describeColumn), onUnknown: detector.encoding.onUnknown, slots: detector.encoding.width },
    scaler: detector.scaler.method,
    missingPolicy: detector.missing.policy,
    backend: t.backend,
    fitMs: t.fitMs,
    trainingRows: t.rows,
    seed: t.seed,
    createdAt: t.createdAt,
    threshold: detector.threshold,
    calibration: detector.calibration ? { rows: detector.calibration.scores.length, fraction: detector.calibration.fraction } : null,
    driftReferenceRows: detector.drift?.rows ?? null,
    epochs: history ? history.loss.length : null,
    bestEpoch: history?.bestEpoch ?? null,
    stoppedEarly: history?.stoppedEarly ?? null,
    stopping: history ? describeStopping(history) : null,
    converged: history?.converged ?? null,
    finalLoss: history?.loss.at(-1) ?? null,
    finalValLoss: history?.valLoss.at(-1) ?? null,
    history: history ? { loss: history.loss, valLoss: history.valLoss, bestEpoch: history.bestEpoch } : null,
    stoppingRule: null as string | null,
    ensemble: null as ResolvedEnsemble | null,
  };
  const d = detector.inputWidth;
  if (detector.model instanceof Autoencoder || detector.model instanceof AutoencoderEnsemble) {
    const ae = detector.model;
    const c = ae.config;
    return {
      ...base,
      ensemble: ae instanceof AutoencoderEnsemble ? { ...ae.ensemble } : null,
      variant: autoencoderVariant(c),
      codeSize: c.codeSize,
      stoppingRule: describeStoppingRule(ae.config),
      architecture: `${ae.layerUnits.join('-')} (${c.activation}, code ${c.codeActivation}, output ${c.outputActivation}, loss ${c.blocks ? 'per column: squared error / cross-entropy, columns weighted equally' : c.loss})`,
      parameters: ae.isFitted ? ae.parameterCount : null,
      explainedVariance: null,
    };
  }
  if (detector.model instanceof PcaModel) {
    const pca = detector.model;
    return {
      ...base,
      variant: 'pca',
      codeSize: pca.k,
      architecture: `${d} features → ${pca.k} components`,
      parameters: d + pca.k * d,
      explainedVariance: pca.explainedVarianceTotal,
    };
  }
  return { ...base, variant: detector.kind, codeSize: null, architecture: `${d} features`, parameters: null, explainedVariance: null };
}

/** One encoded column in words, for `latentflow info` and the report. */
function describeColumn(c: ColumnEncoding): string {
  switch (c.kind) {
    case 'numeric':
    case 'boolean':
      return `${c.column}: ${c.kind}`;
    case 'timestamp':
      return `${c.column}: timestamp, cyclic ${c.cyclic.join(', ')} (sin/cos)`;
    case 'categorical':
      return c.method === 'one-hot'
        ? `${c.column}: categorical, one-hot ${c.categories.length} + other/unknown/null${c.seen.length > 0 ? ` (${c.seen.length} rare folded into other)` : ''}`
        : `${c.column}: categorical, hashed into ${c.buckets} + unknown/null (${c.seen.length.toLocaleString('en-US')} values seen)`;
  }
}

/** How a fit ended, in words; null for histories saved before the stop reason was. */
function describeStopping(h: NonNullable<Detector['training']['history']>): string | null {
  if (h.stopReason === undefined) return null;
  const steps = h.steps !== undefined ? ` after ${h.steps.toLocaleString('en-US')} steps` : '';
  switch (h.stopReason) {
    case 'earlyStopping':
      return `converged: the validation loss stopped improving${steps}`;
    case 'callback':
      return `stopped by the caller${steps}`;
    case 'stepBudget':
      return `not converged: the step budget ran out${steps} while the loss was still improving`;
    case 'timeBudget':
      return `not converged: the time budget ran out${steps} while the loss was still improving`;
    case 'completed':
      return h.converged === false ? `not converged: every epoch asked for ran${steps} while the loss was still improving` : `every epoch asked for ran${steps}`;
  }
}

/** The configured stopping rule and limits: `patience 10, improvement > max(0, 1 % of best); budget from the data size`. */
function describeStoppingRule(c: AutoencoderConfigView): string {
  const e = c.earlyStopping;
  const rule = e === false ? 'no early stopping' : `patience ${e.patience}, improvement > max(${e.minDelta}, ${e.minRelativeDelta * 100} % of best)`;
  const epochs = c.epochs === null ? 'until the rule stops it' : `${c.epochs} epochs`;
  const steps = c.budget.steps === null ? null : `${c.budget.steps} steps`;
  const seconds = c.budget.seconds === null ? null : `${c.budget.seconds} s`;
  const limits = steps || seconds ? [steps, seconds].filter(Boolean).join(', ') : c.epochs === null ? 'budget from the data size' : 'no budget';
  return `${rule}; ${epochs}; ${limits}`;
}

/** The resolved options of one network (an ensemble's members all have them). */
type AutoencoderConfigView = Autoencoder['config'];

/** The autoencoder family member and its variant options, in words. */
function autoencoderVariant(c: AutoencoderConfigView): string {
  const parts: string[] = [];
  if (c.convolutional) parts.push(`convolutional (shape ${c.convolutional.shape.join('×')}, filters ${c.convolutional.filters.join('/')}, kernel ${c.convolutional.kernelSize})`);
  if (c.variational) parts.push(`variational (beta ${c.variational.beta}, score by ${c.variational.scoreBy})`);
  if (c.sparsity) parts.push(c.sparsity.type === 'l1' ? `sparse (l1, weight ${c.sparsity.weight})` : `sparse (kl, target ${c.sparsity.target}, weight ${c.sparsity.weight})`);
  if (c.denoising) parts.push(c.denoising.type === 'gaussian' ? `denoising (gaussian, sigma ${c.denoising.sigma})` : `denoising (mask, p ${c.denoising.dropProbability})`);
  if (c.contractive) parts.push(`contractive (weight ${c.contractive.weight})`);
  if (parts.length === 0) parts.push(c.hiddenUnits.length > 1 ? 'deep dense' : 'dense');
  if (c.dropout > 0) parts.push(`dropout ${c.dropout}`);
  if (c.trim > 0) parts.push(`robust training (trim ${c.trim})`);
  // Older files lack the option (they score without it).
  if (c.neighbors) parts.push(`code neighbours (k ${c.neighbors.k}, share ${c.neighbors.weight})`);
  return parts.join(', ');
}

/** An ensemble in words: members, widths, how the score combines them. */
function describeEnsemble(e: ResolvedEnsemble): string {
  const widths = e.widths === 'varied' ? ` (hidden widths varied: member i's times ${ENSEMBLE_WIDTH_FACTORS.join(', ')}, cycling)` : '';
  return `${e.size} networks of this architecture${widths}, each with its own seed; score = mean of each one's score / its training median`;
}

/** A threshold as one line: `0.8421 (contamination 0.01)`. */
export function describeThreshold(t: ThresholdState | null): string {
  if (!t) return 'none';
  const rule = t.method === 'mad' ? `mad k=${t.k}` : `${t.method} ${t.value}`;
  return `${formatNumber(t.threshold)} (${rule})`;
}

/** Calibration as one line: what the p-value rules can use, or how to get it. */
export function describeCalibration(c: ModelSummary['calibration']): string {
  if (c === null) return 'none (fit with calibrationSplit for p_value and the threshold rules fpr, fdr)';
  return `${c.rows.toLocaleString('en-US')} held-out rows (calibrationSplit ${c.fraction}): p_value, rules fpr and fdr down to 1/${(c.rows + 1).toLocaleString('en-US')}`;
}

/** The model in a few words, for the report header: `autoencoder: dense; code size 3`, `PCA; 2 components`. */
export function modelHeadline(s: ModelSummary): string {
  if (s.kind === 'pca') return s.codeSize === null ? 'PCA' : `PCA; ${s.codeSize} components`;
  const code = s.codeSize === null ? '' : `; code size ${s.codeSize}`;
  const members = s.ensemble === null ? '' : `; ensemble of ${s.ensemble.size}`;
  return `${s.kind}: ${s.variant}${code}${members}`;
}

/** The summary as label/value pairs, in display order. */
export function summaryRows(s: ModelSummary): [string, string][] {
  const rows: [string, string][] = [
    ['Model', s.kind === 'pca' ? 'PCA' : `autoencoder: ${s.variant}`],
    ['Architecture', s.architecture],
    ['Parameters', s.parameters === null ? 'unknown' : s.parameters.toLocaleString('en-US')],
    ...(s.ensemble !== null ? [['Ensemble', describeEnsemble(s.ensemble)] as [string, string]] : []),
    [`Features (${s.features.length})`, listNames(s.features)],
    ...(s.featureKinds !== null
      ? [['Feature kinds', `${s.featureKinds.columns.join('; ')} (${s.featureKinds.slots} encoded slots; unseen categories: ${s.featureKinds.onUnknown === 'slot' ? 'unknown slot, counted' : 'error'})`] as [string, string]]
      : []),
    ['Scaler / missing values', `${s.scaler} / ${s.missingPolicy}`],
    ['Backend', s.backend],
    ['Training', `${s.trainingRows.toLocaleString('en-US')} rows in ${(s.fitMs / 1000).toFixed(1)} s, seed ${s.seed}, ${s.createdAt}`],
  ];
  if (s.epochs !== null) {
    const best = s.bestEpoch !== null ? `, best epoch ${s.bestEpoch}` : '';
    const early = s.stoppedEarly ? ' (stopped early)' : '';
    rows.push(['Epochs', `${s.epochs}${best}${early}`]);
    if (s.stoppingRule !== null) rows.push(['Stopping rule', s.stoppingRule]);
    if (s.stopping !== null) rows.push(['Stopping', s.stopping]);
    const val = s.finalValLoss !== null ? `, validation ${formatNumber(s.finalValLoss)}` : '';
    if (s.finalLoss !== null) rows.push(['Final loss', `${formatNumber(s.finalLoss)}${val}`]);
  }
  if (s.explainedVariance !== null) rows.push(['Explained variance', `${(s.explainedVariance * 100).toFixed(1)} %`]);
  rows.push(['Threshold', describeThreshold(s.threshold)]);
  rows.push(['Calibration', describeCalibration(s.calibration)]);
  rows.push([
    'Drift reference',
    s.driftReferenceRows === null
      ? s.featureKinds !== null
        ? 'none (not yet for models with non-numeric features)'
        : 'none (saved before drift checks; refit for the drift stage)'
      : `deciles of every feature and of ${s.driftReferenceRows.toLocaleString('en-US')} scores (drift stage, monitor --drift-window-rows)`,
  ]);
  return rows;
}

/** Names joined by commas; a long list (784 pixels) shows its first 12 and last 3 around the count left out. */
export function listNames(names: readonly string[], head = 12, tail = 3): string {
  if (names.length <= head + tail + 1) return names.join(', ');
  return [...names.slice(0, head), `… ${names.length - head - tail} more …`, ...names.slice(-tail)].join(', ');
}

/** Four significant digits, or `—` for a missing value. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
