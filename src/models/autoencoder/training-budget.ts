/**
 * How long a fit may train when the user gives no epoch count: until the stopping rule ends it, inside a step
 * and a time budget that grow with the data. A fixed epoch count either stops small sets before they converge
 * (10 epochs of 18 steps on the bundled data: ROC-AUC 0.51, issue 12) or spends minutes on large ones.
 */
export const TRAINING_BUDGET = {
  /**
   * Passes over the training rows the step budget allows, before clamping. 200 stopped the bundled data
   * while still improving (ROC-AUC median 0.957 over 8 seeds; 0.978 with room to converge at 214-598 epochs);
   * on the tune half 600 changed no set's mean by more than 0.012 (bench/results/peers-tune-budget.md).
   */
  epochs: 600,
  /** Fewest gradient steps a budget allows: small sets need many epochs to converge. */
  minSteps: 1_000,
  /** Most gradient steps a budget allows. */
  maxSteps: 20_000,
  /** Time budget: this many seconds ... */
  baseSeconds: 60,
  /** ... plus one second per this many input values (rows × columns) ... */
  valuesPerSecond: 20_000,
  /** ... and never more than this. */
  maxSeconds: 1_800,
} as const;

/** The limits one fit runs under. `Infinity` means no limit of that kind. */
export interface TrainingPlan {
  maxEpochs: number;
  maxSteps: number;
  maxSeconds: number;
  /** Gradient steps per epoch: ceil(training rows / batch size). */
  stepsPerEpoch: number;
}

/** What the plan depends on. */
export interface TrainingPlanInput {
  rows: number;
  cols: number;
  /** Explicit epoch count, or null to train until the stopping rule or the budget ends the fit. */
  epochs: number | null;
  batchSize: number;
  validationSplit: number;
  budget: { steps: number | null; seconds: number | null };
}

/**
 * The limits for a fit. An explicit `epochs` is what the user asked for: it is the only limit unless they
 * also set a budget. Without it, the budget bounds a fit whose stopping rule never fires.
 */
export function resolveTrainingPlan(input: TrainingPlanInput): TrainingPlan {
  const trainRows = Math.max(1, Math.floor(input.rows * (1 - input.validationSplit)));
  const stepsPerEpoch = Math.ceil(trainRows / input.batchSize);
  const b = TRAINING_BUDGET;
  if (input.epochs !== null) {
    return {
      maxEpochs: input.epochs,
      maxSteps: input.budget.steps ?? Infinity,
      maxSeconds: input.budget.seconds ?? Infinity,
      stepsPerEpoch,
    };
  }
  const maxSteps = input.budget.steps ?? Math.min(b.maxSteps, Math.max(b.minSteps, b.epochs * stepsPerEpoch));
  const maxSeconds = input.budget.seconds ?? Math.min(b.maxSeconds, b.baseSeconds + (input.rows * input.cols) / b.valuesPerSecond);
  return { maxEpochs: Math.ceil(maxSteps / stepsPerEpoch), maxSteps, maxSeconds, stepsPerEpoch };
}
