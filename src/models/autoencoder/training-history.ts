/**
 * What a fit reports and accepts: plain data, apart from the training loop that fills it, so the public types
 * name no TensorFlow.js type.
 */

/** What `onEpoch` receives after every epoch. */
export interface EpochLog {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's batches, weighted by batch rows (as Keras reports it). */
  loss: number;
  /** Loss on the held-out rows at the end of the epoch; absent without a validation split. */
  valLoss?: number;
  /** Time since the fit started, in milliseconds. */
  elapsedMs: number;
}

/**
 * Called once per epoch, after the losses are known. Return (or resolve to) `false` to stop training;
 * the fit then ends normally (with the best weights restored when early stopping is on).
 */
export type OnEpoch = (log: EpochLog) => void | boolean | Promise<void | boolean>;

/** Caller hooks of a fit. */
export interface FitOptions {
  onEpoch?: OnEpoch;
  /** Aborting rejects the fit with a `LatentflowError` code `E_ABORTED` and leaves the model as before. */
  signal?: AbortSignal;
}

/**
 * Why training ended: every asked-for epoch ran (`completed`), the stopping rule fired (`earlyStopping`), the
 * callback returned false (`callback`), or the step or time budget ran out (`stepBudget`, `timeBudget`).
 */
export type StopReason = 'completed' | 'earlyStopping' | 'callback' | 'stepBudget' | 'timeBudget';

/** Losses per epoch and how the fit ended. */
export interface TrainingHistory {
  /** Training loss per epoch. */
  loss: number[];
  /** Validation loss per epoch; empty without a validation split. */
  valLoss: number[];
  /** Epochs run. */
  epochs: number;
  /** 1-based epoch whose weights the model holds: the best one with early stopping, else the last. */
  bestEpoch: number;
  /** True when training ended before `epochs` (early stopping or the callback). */
  stoppedEarly: boolean;
  stopReason: StopReason;
  /**
   * True when the stopping rule ended training (the loss had stopped improving), false when the epochs or a
   * budget ran out first while it was still improving, null without a stopping rule or when the callback stopped it.
   */
  converged: boolean | null;
  /** Gradient steps taken. */
  steps: number;
  /** Rows trained on and held out for validation. */
  trainRows: number;
  validationRows: number;
  /** Wall time of the fit, in milliseconds. */
  fitMs: number;
}
