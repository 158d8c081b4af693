import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { runTrainingLoop, type TrainingLoopOptions } from '../../../src/models/autoencoder/training-loop.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { gaussianMatrix } from '../synthetic.js';

beforeAll(async () => {
  await selectBackend();
});

/**
 * A one-variable "model": training pulls v towards 1 by SGD, while the validation loss is scripted per epoch,
 * so the best epoch is known in advance and the restored value of v can be checked exactly.
 */
function scripted(valLosses: number[], overrides: Partial<TrainingLoopOptions> = {}) {
  const v = tf.variable(tf.scalar(5));
  const seen: number[] = [];
  let epoch = 0;
  const options: TrainingLoopOptions = {
    x: gaussianMatrix(40, 2, 1),
    variables: [v],
    optimizer: tf.train.sgd(0.05),
    batchLoss: (batch, step) =>
      step.isTraining
        ? (tf.add(tf.square(tf.sub(v, 1)), tf.mul(tf.mean(batch), 0)) as tf.Scalar)
        : (tf.add(tf.scalar(valLosses[epoch]), tf.mul(v, 0)) as tf.Scalar),
    epochs: valLosses.length,
    batchSize: 8,
    validationSplit: 0.25,
    earlyStopping: { patience: 2, minDelta: 0 },
    seed: 1,
    onEpoch: () => {
      seen.push(v.dataSync()[0]);
      epoch++;
    },
    ...overrides,
  };
  return { v, seen, options, dispose: () => { v.dispose(); options.optimizer.dispose(); } };
}

describe('runTrainingLoop', () => {
  test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const run = scripted([5, 4, 3, 3.5, 4, 1, 1]);
    try {
      const history = await runTrainingLoop(run.options);
      expect(history).toMatchObject({ epochs: 5, bestEpoch: 3, stoppedEarly: true, stopReason: 'earlyStopping' });
      expect(history.valLoss).toEqual([5, 4, 3, 3.5, 4]);
      expect(run.v.dataSync()[0]).toBe(run.seen[2]);
      expect(run.seen[4]).not.toBe(run.seen[2]);
    } finally {
      run.dispose();
    }
  });

  test('minDelta: an improvement smaller than minDelta does not count', async () => {
    const run = scripted([5, 4.95, 4.92, 4.91, 1], { earlyStopping: { patience: 3, minDelta: 0.1 } });
    try {
      const history = await runTrainingLoop(run.options);
      expect(history).toMatchObject({ epochs: 4, bestEpoch: 1, stopReason: 'earlyStopping' });
      expect(run.v.dataSync()[0]).toBe(run.seen[0]);
    } finally {
      run.dispose();
    }
  });

  test('without early stopping all epochs run and the last weights are kept', async () => {
    const run = scripted([5, 4, 3, 3.5, 4], { earlyStopping: false });
    try {
      const history = await runTrainingLoop(run.options);
      expect(history).toMatchObject({ epochs: 5, bestEpoch: 5, stoppedEarly: false, stopReason: 'completed' });
      expect(run.v.dataSync()[0]).toBe(run.seen[4]);
    } finally {
      run.dispose();
    }
  });

  test('the epoch loss is the row-weighted mean of the batch losses', async () => {
    // Loss = mean of the batch's first column; weighted over batches it is the mean of the training rows.
    const x = gaussianMatrix(50, 2, 3);
    const v = tf.variable(tf.scalar(0));
    const optimizer = tf.train.sgd(0);
    try {
      const history = await runTrainingLoop({
        x,
        variables: [v],
        optimizer,
        batchLoss: (batch) => tf.add(tf.mean(tf.slice(batch, [0, 0], [-1, 1])), tf.mul(v, 0)) as tf.Scalar,
        epochs: 1,
        batchSize: 16,
        validationSplit: 0,
        earlyStopping: false,
        seed: 1,
      });
      let sum = 0;
      for (let r = 0; r < 50; r++) sum += x.data[r * 2];
      expect(history.loss[0]).toBeCloseTo(sum / 50, 5);
    } finally {
      v.dispose();
      optimizer.dispose();
    }
  });

  test('a non-finite training loss rejects with E_TRAINING_DIVERGED and frees the loop tensors', async () => {
    const v = tf.variable(tf.scalar(0));
    const optimizer = tf.train.sgd(0.1);
    const before = tf.memory().numTensors;
    try {
      await expect(
        runTrainingLoop({
          x: gaussianMatrix(20, 2, 1),
          variables: [v],
          optimizer,
          batchLoss: () => tf.div(v, 0) as tf.Scalar,
          epochs: 3,
          batchSize: 8,
          validationSplit: 0,
          earlyStopping: false,
          seed: 1,
        }),
      ).rejects.toMatchObject({ code: 'E_TRAINING_DIVERGED' });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      v.dispose();
      optimizer.dispose();
    }
  });

  test('too few rows for the validation split reject with a DataError', async () => {
    const run = scripted([1], { x: gaussianMatrix(1, 2, 1), validationSplit: 0.5 });
    try {
      await expect(runTrainingLoop(run.options)).rejects.toMatchObject({ code: 'E_DATA' });
    } finally {
      run.dispose();
    }
  });
});
