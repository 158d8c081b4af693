import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { resolveTrainingPlan, TRAINING_BUDGET } from '../../../src/models/autoencoder/training-budget.js';
import { runTrainingLoop, type TrainingLoopOptions } from '../../../src/models/autoencoder/training-loop.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { gaussianMatrix } from '../synthetic.js';

beforeAll(async () => {
  await selectBackend();
});

const noBudget = { steps: null, seconds: null };

describe('resolveTrainingPlan', () => {
  test('without epochs, the step budget is 600 epochs of steps clamped to [1000, 20000]', () => {
    // 5000 rows, 10 % held out, batch 256: 18 steps an epoch, 10800 steps in 600 epochs.
    expect(resolveTrainingPlan({ rows: 5000, cols: 8, epochs: null, batchSize: 256, validationSplit: 0.1, budget: noBudget })).toMatchObject({
      stepsPerEpoch: 18,
      maxSteps: 10_800,
      maxEpochs: 600,
    });
    // 200 rows: 1 step an epoch; 600 epochs would be 600 steps, so the floor of 1000 applies (1000 epochs).
    expect(resolveTrainingPlan({ rows: 200, cols: 8, epochs: null, batchSize: 256, validationSplit: 0.1, budget: noBudget })).toMatchObject({
      maxSteps: TRAINING_BUDGET.minSteps,
      maxEpochs: 1000,
    });
    // A million rows: 3516 steps an epoch, capped at 20000 steps (6 epochs).
    expect(resolveTrainingPlan({ rows: 1e6, cols: 8, epochs: null, batchSize: 256, validationSplit: 0, budget: noBudget })).toMatchObject({
      maxSteps: TRAINING_BUDGET.maxSteps,
      maxEpochs: 6,
    });
  });

  test('the time budget grows with rows × columns and is capped', () => {
    const plan = (rows: number, cols: number) => resolveTrainingPlan({ rows, cols, epochs: null, batchSize: 256, validationSplit: 0.1, budget: noBudget });
    expect(plan(5000, 8).maxSeconds).toBe(62);
    // 60000 × 784 = 47 M values: 60 + 2352 s, over the 1800 s cap.
    expect(plan(60_000, 784).maxSeconds).toBe(TRAINING_BUDGET.maxSeconds);
    expect(plan(20_000, 100).maxSeconds).toBe(160);
    expect(plan(1e6, 1000).maxSeconds).toBe(TRAINING_BUDGET.maxSeconds);
  });

  test('explicit epochs are the only limit unless a budget is given too', () => {
    expect(resolveTrainingPlan({ rows: 5000, cols: 8, epochs: 7, batchSize: 256, validationSplit: 0.1, budget: noBudget })).toMatchObject({
      maxEpochs: 7,
      maxSteps: Infinity,
      maxSeconds: Infinity,
    });
    expect(resolveTrainingPlan({ rows: 5000, cols: 8, epochs: 7, batchSize: 256, validationSplit: 0.1, budget: { steps: 50, seconds: 3 } })).toMatchObject({
      maxEpochs: 7,
      maxSteps: 50,
      maxSeconds: 3,
    });
  });

  test('a user step budget sets the epochs it allows', () => {
    expect(resolveTrainingPlan({ rows: 5000, cols: 8, epochs: null, batchSize: 256, validationSplit: 0.1, budget: { steps: 40, seconds: null } })).toMatchObject({
      maxSteps: 40,
      maxEpochs: 3,
    });
  });
});

/** A loop whose loss improves every epoch forever (a shrinking scripted validation loss): only a limit ends it. */
function improvingForever(overrides: Partial<TrainingLoopOptions>) {
  const v = tf.variable(tf.scalar(5));
  let epoch = 0;
  const optimizer = tf.train.sgd(0.01);
  const options: TrainingLoopOptions = {
    x: gaussianMatrix(80, 2, 3),
    variables: [v],
    optimizer,
    batchLoss: (batch, step) =>
      step.isTraining ? (tf.add(tf.square(tf.sub(v, 1)), tf.mul(tf.mean(batch), 0)) as tf.Scalar) : (tf.add(tf.scalar(100 * 0.5 ** epoch), tf.mul(v, 0)) as tf.Scalar),
    epochs: 1000,
    batchSize: 8,
    validationSplit: 0.1,
    earlyStopping: { patience: 3, minDelta: 0, minRelativeDelta: 0.01 },
    seed: 1,
    onEpoch: () => {
      epoch++;
    },
    ...overrides,
  };
  return { options, dispose: () => { v.dispose(); optimizer.dispose(); } };
}

describe('training limits', () => {
  test('the step budget ends a fit that is still improving, and says it has not converged', async () => {
    const run = improvingForever({ maxSteps: 45 });
    try {
      const h = await runTrainingLoop(run.options);
      // 72 training rows / batch 8 = 9 steps an epoch: the budget is checked after each epoch, so 5 epochs.
      expect(h).toMatchObject({ stopReason: 'stepBudget', converged: false, steps: 45, epochs: 5, stoppedEarly: true });
    } finally {
      run.dispose();
    }
  });

  test('the time budget ends a fit mid-epoch; the cut epoch reports the mean over the rows it trained', async () => {
    const slow: TrainingLoopOptions['batchLoss'] = (batch) => {
      const until = performance.now() + 20;
      while (performance.now() < until);
      return tf.mul(tf.mean(batch), 0) as tf.Scalar;
    };
    const v = tf.variable(tf.scalar(1));
    const optimizer = tf.train.sgd(0.01);
    try {
      const started = performance.now();
      const h = await runTrainingLoop({
        x: gaussianMatrix(800, 2, 3), variables: [v], optimizer,
        batchLoss: (b, s) => tf.add(slow(b, s), tf.mul(v, 0)) as tf.Scalar,
        epochs: 100, maxSeconds: 0.3, batchSize: 8, validationSplit: 0, earlyStopping: { patience: 5, minDelta: 0 }, seed: 1,
      });
      expect(h.stopReason).toBe('timeBudget');
      expect(h.converged).toBe(false);
      expect(h.epochs).toBe(1);
      // One epoch is 100 steps of 20 ms; the 0.3 s budget stops it after about 15.
      expect(h.steps).toBeLessThan(100);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(Number.isFinite(h.loss[0])).toBe(true);
    } finally {
      v.dispose();
      optimizer.dispose();
    }
  });

  test('minRelativeDelta: improvements below the fraction of the best loss do not count', async () => {
    const v = tf.variable(tf.scalar(5));
    const optimizer = tf.train.sgd(0.01);
    // Each epoch improves by 0.5 % of the loss: under a 1 % rule two such epochs (0.9975 % below the best)
    // are no improvement, under 0 every one is.
    const run = async (minRelativeDelta: number) => {
      let epoch = 0;
      return runTrainingLoop({
        x: gaussianMatrix(40, 2, 1), variables: [v], optimizer,
        batchLoss: (batch, step) => (step.isTraining ? tf.add(tf.mul(tf.mean(batch), 0), tf.mul(v, 0)) : tf.add(tf.scalar(100 * 0.995 ** epoch), tf.mul(v, 0))) as tf.Scalar,
        epochs: 30, batchSize: 8, validationSplit: 0.25, earlyStopping: { patience: 2, minDelta: 0, minRelativeDelta }, seed: 1,
        onEpoch: () => { epoch++; },
      });
    };
    try {
      const strict = await run(0.01);
      expect(strict).toMatchObject({ stopReason: 'earlyStopping', converged: true, epochs: 3, bestEpoch: 1 });
      const lax = await run(0);
      expect(lax).toMatchObject({ stopReason: 'completed', converged: false, epochs: 30, bestEpoch: 30 });
    } finally {
      v.dispose();
      optimizer.dispose();
    }
  });

  test('no stopping rule: convergence is unknown (null), not claimed', async () => {
    const run = improvingForever({ earlyStopping: false, epochs: 3 });
    try {
      expect(await runTrainingLoop(run.options)).toMatchObject({ stopReason: 'completed', converged: null, epochs: 3 });
    } finally {
      run.dispose();
    }
  });
});
