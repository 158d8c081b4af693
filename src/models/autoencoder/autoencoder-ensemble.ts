import type * as tf from '../../runtime/tf.js';
import { ModelConfigError, ModelStateError } from '../../errors.js';
import type { ReconstructionModel } from '../detector.js';
import type { Matrix } from '../matrix.js';
import { quantileSorted, sortedCopy } from '../order-statistics.js';
import { deriveSeed } from '../random.js';
import { type Filled, parseOptions } from '../option-schema.js';
import type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
import { AUTOENCODER_DEFAULTS, type AutoencoderConfig, autoencoderOptions, ENSEMBLE_WIDTH_FACTORS } from './autoencoder-options.js';
import { Autoencoder, type AutoencoderState } from './autoencoder.js';
import type { TrainingPlan } from './training-budget.js';
import type { FitOptions, TrainingHistory } from './training-history.js';

/** `ensemble` filled in: `size` members in [2, 16]; `widths` says whether member i's dense hidden widths are member 0's times `ENSEMBLE_WIDTH_FACTORS[i % 5]` (`varied`) or all equal (`same`). */
export type ResolvedEnsemble = Filled<NonNullable<ReturnType<typeof autoencoderOptions.parse>['ensemble']>>;

/** How the members' hidden widths relate: all equal, or scaled per member. */
export type EnsembleWidths = ResolvedEnsemble['widths'];

/** Member `i`'s layer widths under `widths: varied`: member 0's `units` times its factor, at least one unit each. */
export function memberWidths(units: readonly number[], i: number): number[] {
  const factor = ENSEMBLE_WIDTH_FACTORS[i % ENSEMBLE_WIDTH_FACTORS.length];
  return units.map((w) => Math.max(1, Math.round(w * factor)));
}

/** JSON part of a saved ensemble; each member's weights are saved separately (artifact/ensemble-layout.ts). */
export interface AutoencoderEnsembleState {
  type: 'autoencoder-ensemble';
  version: 1;
  inputDim: number;
  /** Member 0's resolved options (its seed is the ensemble's seed), what `info` and the report describe. */
  params: ResolvedAutoencoderConfig;
  ensemble: ResolvedEnsemble;
  /** Every member's own saved state, in member order. */
  members: AutoencoderState[];
  /** Per member, the median of its training scores: what its score is divided by before averaging (> 0). */
  scoreScales: number[];
}

/** A single autoencoder, or an ensemble of them: what `createAutoencoder` builds from the options. */
export type AutoencoderModel = Autoencoder | AutoencoderEnsemble;

/** The autoencoder `config` asks for: an {@link AutoencoderEnsemble} when `ensemble` is set, else one {@link Autoencoder}. */
export function createAutoencoder(inputDim: number, config: AutoencoderConfig = {}): AutoencoderModel {
  return config.ensemble === undefined || config.ensemble === null ? new Autoencoder(inputDim, config) : new AutoencoderEnsemble(inputDim, config);
}

/** Seed of member `i`: member 0 keeps the model's seed (it is the single model of the same options), the others derive theirs. */
export function memberSeed(seed: number, i: number): number {
  return i === 0 ? seed : deriveSeed(seed, `ensemble-member-${i}`);
}

/**
 * K autoencoders of the same options, each with its own seed (see {@link memberSeed}) and, with
 * `widths: varied`, its own hidden widths (see {@link memberWidths}), fitted one after the other on the same
 * rows. Different initial weights, shuffles, validation splits (and widths) make them err on different rows;
 * averaging their scores keeps what they agree on.
 *
 * Each member's score is divided by the median of its scores on the training rows before the mean, so a
 * member whose errors run larger cannot dominate. Only a scale, no centre: scores stay >= 0, which the
 * squared-error semantics and the adaptive threshold's log-spaced sketch rely on; the median rather than the
 * mean keeps the contaminated training rows from setting the scale. Per-feature errors and reconstructions
 * are the members' means; codes are member 0's (the members' code spaces are unrelated, so an average of
 * codes would mean nothing).
 *
 * Call order and guarantees are those of {@link Autoencoder}: `fit` once, then score / save, then `dispose`;
 * a second concurrent fit is refused; a fit that throws or is aborted leaves the previous state; the same
 * seed, data and backend give identical scores.
 */
export class AutoencoderEnsemble implements ReconstructionModel {
  readonly inputDim: number;
  /** Member 0's options: every member has them, with its own seed (and, with `widths: varied`, its own hidden widths). */
  readonly config: Readonly<ResolvedAutoencoderConfig>;
  readonly ensemble: Readonly<ResolvedEnsemble>;
  private members: Autoencoder[] = [];
  private scales: number[] = [];
  private isFitting = false;
  private isDisposed = false;
  private fitController: AbortController | undefined;
  /** Members of the fit under way, owned by it until it completes; freed by `dispose` during a fit. */
  private building: Autoencoder[] = [];

  /** The options as given, `ensemble` removed and the seed filled in: member i's are these with its own seed (and widths). */
  private readonly options: AutoencoderConfig;

  /** Validates `config` (with `ensemble` set) against `inputDim`; throws `ModelConfigError` naming the option. */
  constructor(inputDim: number, config: AutoencoderConfig) {
    const c = parseOptions(autoencoderOptions, config);
    if (c.ensemble === undefined || c.ensemble === null) {
      throw new ModelConfigError('ensemble', 'autoencoder: an ensemble needs ensemble: { size }, received none; use Autoencoder for one network');
    }
    this.ensemble = { size: c.ensemble.size, widths: c.ensemble.widths ?? 'same' };
    this.inputDim = inputDim;
    this.options = { ...config, ensemble: null, seed: c.seed ?? AUTOENCODER_DEFAULTS.seed };
    // Member 0's options checked against the input width (no tensors exist before fit); the others differ
    // only in seed and, with varied widths, in layer widths, which are valid whenever member 0's are.
    this.config = new Autoencoder(inputDim, { ...this.options }).config;
  }

  private memberOptions(i: number): AutoencoderConfig {
    const seed = memberSeed(this.options.seed as number, i);
    if (this.ensemble.widths === 'same' || i === 0) return { ...this.options, seed };
    return { ...this.options, seed, hiddenUnits: memberWidths(this.config.hiddenUnits, i), decoderUnits: memberWidths(this.config.decoderUnits, i) };
  }

  get isFitted(): boolean {
    return this.members.length > 0;
  }

  /** Member 0's dense layer widths, input to reconstruction (every member's with `widths: same`). */
  get layerUnits(): number[] {
    const c = this.config;
    return [this.inputDim, ...c.hiddenUnits, c.codeSize, ...c.decoderUnits, this.inputDim];
  }

  /** Trainable weights of all members together. */
  get parameterCount(): number {
    return this.requireMembers('parameterCount').reduce((n, m) => n + m.parameterCount, 0);
  }

  /** The limits each member's fit runs under (the whole fit takes up to `size` times as long). */
  trainingPlan(rows: number): TrainingPlan {
    return new Autoencoder(this.inputDim, this.memberOptions(0)).trainingPlan(rows);
  }

  /** Each member's training history, in member order; empty before fit. */
  get memberHistories(): TrainingHistory[] {
    return this.members.map((m) => m.history).filter((h): h is TrainingHistory => h !== null);
  }

  /**
   * The ensemble's fit in one history: member 0's loss curves and best epoch; steps and time summed over the
   * members; converged only when every member converged (false when any ran out of budget while improving,
   * with that member's stop reason). Null before fit.
   */
  get history(): TrainingHistory | null {
    return this.members.length === 0 ? null : combinedHistory(this.memberHistories);
  }

  /**
   * Member `i` (0-based), fitted; owned by the ensemble, which disposes it. Members 0..k-1 of any ensemble
   * are those of an ensemble of size k with the same options (their seeds depend on the index alone).
   */
  member(i: number): Autoencoder {
    const members = this.requireMembers('member');
    if (!Number.isInteger(i) || i < 0 || i >= members.length) throw new ModelStateError(`autoencoder: member ${i} does not exist; the ensemble has members 0 to ${members.length - 1}`);
    return members[i];
  }

  /** Per member, the training-score median its score is divided by. */
  get scoreScales(): number[] {
    return [...this.scales];
  }

  /**
   * Fits `size` fresh members one after the other on the rows of `x`; resolves to the combined history.
   * `onEpoch` sees every member's epochs in turn (returning false stops the member being fitted; the next
   * one still runs). Rejections are those of `Autoencoder.fit`.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<TrainingHistory> {
    this.requireUsable('fit');
    if (this.isFitting) throw new ModelStateError('autoencoder: fit called while another fit is running; await the first fit or abort it');
    this.isFitting = true;
    const controller = new AbortController();
    this.fitController = controller;
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
    const built: Autoencoder[] = [];
    this.building = built;
    try {
      const scales: number[] = [];
      for (let i = 0; i < this.ensemble.size; i++) {
        const member = new Autoencoder(this.inputDim, this.memberOptions(i));
        built.push(member);
        await member.fit(x, { signal, onEpoch: options.onEpoch });
        if (this.isDisposed) throw new ModelStateError('autoencoder: disposed during fit; the fit was abandoned');
        scales.push(scoreScale(member.score(x), i));
      }
      for (const m of this.members) m.dispose();
      this.members = built.splice(0);
      this.scales = scales;
      return combinedHistory(this.memberHistories);
    } finally {
      for (const m of built) m.dispose();
      this.building = [];
      this.isFitting = false;
      this.fitController = undefined;
    }
  }

  /** Per-row mean of the members' scores, each divided by its training median; higher means more anomalous. */
  score(x: Matrix): Float32Array {
    const members = this.requireMembers('score');
    const sum = new Float64Array(x.rows);
    members.forEach((m, i) => {
      const s = m.score(x);
      const w = 1 / (this.scales[i] * members.length);
      for (let r = 0; r < sum.length; r++) sum[r] += s[r] * w;
    });
    return Float32Array.from(sum);
  }

  /** Per-feature squared reconstruction errors, averaged over the members (same shape as `x`). */
  featureErrors(x: Matrix): Matrix {
    return meanMatrix(this.requireMembers('featureErrors').map((m) => m.featureErrors(x)));
  }

  /** The members' mean reconstruction of each row. */
  reconstruct(x: Matrix): Matrix {
    return meanMatrix(this.requireMembers('reconstruct').map((m) => m.reconstruct(x)));
  }

  /** Member 0's code of each row (`rows x codeSize`); the members' code spaces are unrelated, so they are not averaged. */
  encode(x: Matrix): Matrix {
    return this.requireMembers('encode')[0].encode(x);
  }

  /** Every member's weights, member after member (for inspection and the fit's finiteness check). */
  getWeights(): Float32Array[] {
    return this.requireMembers('getWeights').flatMap((m) => m.getWeights());
  }

  /**
   * Writes member `i`'s network through `handlerFor(i)`, for every member.
   * @internal TensorFlow.js types stay out of the published declarations (see `Autoencoder.save`).
   */
  async save(handlerFor: (member: number) => tf.io.IOHandler): Promise<void> {
    const members = this.requireMembers('save');
    for (let i = 0; i < members.length; i++) await members[i].save(handlerFor(i));
  }

  /** Everything but the weights; pair it with `save` and give both to `AutoencoderEnsemble.load`. */
  toJSON(): AutoencoderEnsembleState {
    const members = this.requireMembers('toJSON');
    return {
      type: 'autoencoder-ensemble',
      version: 1,
      inputDim: this.inputDim,
      params: structuredClone(this.config) as ResolvedAutoencoderConfig,
      ensemble: { ...this.ensemble },
      members: members.map((m) => m.toJSON()),
      scoreScales: [...this.scales],
    };
  }

  /**
   * Restores an ensemble saved with `save` + `toJSON`, member `i` read through `handlerFor(i)`; scores equal
   * the saved ensemble's bit for bit.
   * @internal as `save`.
   */
  static async load(handlerFor: (member: number) => tf.io.IOHandler, state: AutoencoderEnsembleState): Promise<AutoencoderEnsemble> {
    const problem = ensembleStateProblem(state, state?.inputDim);
    if (problem !== undefined) throw new ModelStateError(`autoencoder: ${problem}; the file is damaged: fit the model again`);
    const model = new AutoencoderEnsemble(state.inputDim, { ...state.params, ensemble: { ...state.ensemble } } as AutoencoderConfig);
    const members: Autoencoder[] = [];
    try {
      for (let i = 0; i < state.members.length; i++) members.push(await Autoencoder.load(handlerFor(i), state.members[i]));
    } catch (error) {
      for (const m of members) m.dispose();
      throw error;
    }
    model.members = members;
    model.scales = [...state.scoreScales];
    return model;
  }

  /** Frees every member's tensors. Safe to call twice; during a fit it aborts the fit (see `Autoencoder.dispose`). */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.fitController?.abort(new ModelStateError('autoencoder: disposed during fit; the fit was abandoned'));
    for (const m of this.building) m.dispose();
    for (const m of this.members) m.dispose();
    this.members = [];
  }

  private requireMembers(op: string): Autoencoder[] {
    this.requireUsable(op);
    if (this.members.length === 0) throw new ModelStateError(`autoencoder: ${op} called before fit; call fit(x) or load a saved model first`);
    return this.members;
  }

  private requireUsable(op: string): void {
    if (this.isDisposed) throw new ModelStateError(`autoencoder: ${op} called after dispose(); create or load a new model`);
  }
}

/** Whether a saved model state (a manifest's `model`) is an ensemble's rather than one network's. */
export function isEnsembleState(state: unknown): boolean {
  return state !== null && typeof state === 'object' && (state as { type?: unknown }).type === 'autoencoder-ensemble';
}

/**
 * The first reason `state` is not a saved ensemble of `inputDim` columns, as one phrase, or undefined. The
 * members themselves are checked by their own loader and validator.
 */
export function ensembleStateProblem(state: unknown, inputDim: unknown): string | undefined {
  const s = state as Partial<AutoencoderEnsembleState> | null;
  if (s === null || typeof s !== 'object' || s.type !== 'autoencoder-ensemble' || s.version !== 1) {
    return `expected a saved ensemble with type "autoencoder-ensemble" and version 1, received type ${JSON.stringify(s?.type)} version ${JSON.stringify(s?.version)}`;
  }
  if (s.inputDim !== inputDim) return `model.inputDim is ${JSON.stringify(s.inputDim)}, expected ${JSON.stringify(inputDim)}`;
  const size = s.ensemble?.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 2) return `model.ensemble.size is ${JSON.stringify(size)}; expected an integer >= 2`;
  if (!Array.isArray(s.members) || s.members.length !== size) return `model.members holds ${Array.isArray(s.members) ? s.members.length : 'no'} members; expected ${size} (ensemble.size)`;
  if (!Array.isArray(s.scoreScales) || s.scoreScales.length !== size) return `model.scoreScales has ${Array.isArray(s.scoreScales) ? s.scoreScales.length : 'no'} values; expected ${size}`;
  const bad = s.scoreScales.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0);
  if (bad >= 0) return `model.scoreScales[${bad}] is ${JSON.stringify(s.scoreScales[bad])}; expected a number > 0 (scoring divides by it)`;
  if (s.params === null || typeof s.params !== 'object') return `model.params is ${JSON.stringify(s.params)}; expected an object`;
  return undefined;
}

/** The median of a member's training scores, or their mean when at least half are 0 (a perfect fit of most rows). */
function scoreScale(scores: Float32Array, member: number): number {
  const median = quantileSorted(sortedCopy(scores), 0.5);
  const mean = scores.reduce((a, v) => a + v, 0) / scores.length;
  const scale = median > 0 ? median : mean;
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new ModelStateError(`autoencoder: ensemble member ${member} scores every training row ${String(scale)}; the member cannot be normalized: check the feature values or use one network`);
  }
  return scale;
}

/** Element-wise mean of same-shaped matrices, accumulated in float64. */
function meanMatrix(parts: Matrix[]): Matrix {
  const { rows, cols } = parts[0];
  const sum = new Float64Array(rows * cols);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i] += p.data[i];
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i] / parts.length;
  return { data: out, rows, cols };
}

/** See {@link AutoencoderEnsemble.history}. */
function combinedHistory(histories: TrainingHistory[]): TrainingHistory {
  const first = histories[0];
  const unconverged = histories.find((h) => h.converged === false);
  const converged = unconverged !== undefined ? false : histories.every((h) => h.converged === true) ? true : null;
  return {
    ...structuredClone(first),
    stopReason: unconverged?.stopReason ?? first.stopReason,
    converged,
    steps: histories.reduce((n, h) => n + h.steps, 0),
    fitMs: histories.reduce((n, h) => n + h.fitMs, 0),
  };
}
