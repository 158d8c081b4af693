/**
 * Same-run A/B of the training step: tf.train.adam vs FusedAdam on the default dense network, alternating
 * runs so machine load hits both alike. Prints ms per step and kernels per step for each.
 * Run: npx tsx bench/studies/optimizer-ab.ts [--rows 6046] [--cols 16] [--epochs 10] [--reps 4] [--config JSON]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../../src/runtime/tf.js';
import { selectBackend } from '../../src/index.js';
import { resolveAutoencoderConfig } from '../../src/models/autoencoder/autoencoder-config.js';
import { buildLoss } from '../../src/models/autoencoder/autoencoder-loss.js';
import { DenseNetwork } from '../../src/models/autoencoder/dense-network.js';
import { FusedAdam, runTrainingLoop, type StepOptimizer } from '../../src/models/autoencoder/training-loop.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '6046' },
    cols: { type: 'string', default: '16' },
    epochs: { type: 'string', default: '10' },
    reps: { type: 'string', default: '4' },
    config: { type: 'string', default: '{}' },
  },
});
const rows = Number(values.rows);
const cols = Number(values.cols);
await selectBackend('auto');
const x = { data: Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011)), rows, cols };
const config = resolveAutoencoderConfig(cols, { epochs: Number(values.epochs), earlyStopping: false, ...JSON.parse(values.config) });
const kinds: Record<string, () => StepOptimizer> = {
  'tf.train.adam': () => tf.train.adam(config.learningRate),
  FusedAdam: () => new FusedAdam(config.learningRate, config.weightDecay),
};
const times: Record<string, number[]> = { 'tf.train.adam': [], FusedAdam: [] };
const load0 = os.loadavg()[0];
let steps = 0;
for (let rep = 0; rep < Number(values.reps); rep++) {
  for (const [name, make] of Object.entries(kinds)) {
    const net = DenseNetwork.build(cols, config);
    const optimizer = make();
    const loss = buildLoss(config, net, cols);
    const started = performance.now();
    const h = await runTrainingLoop({
      x, variables: net.trainableVariables, stateVariables: net.stateVariables, optimizer,
      batchLoss: (b, s) => loss(net.forward(b, { isTraining: s.isTraining, dropoutSeed: s.stepSeed })),
      epochs: config.epochs ?? 10, batchSize: config.batchSize, validationSplit: config.validationSplit, earlyStopping: false, seed: rep,
    });
    steps = h.epochs * Math.ceil(h.trainRows / config.batchSize);
    times[name].push((performance.now() - started) / steps);
    optimizer.dispose();
    net.dispose();
  }
}
const kernels: Record<string, number> = {};
for (const [name, make] of Object.entries(kinds)) {
  const net = DenseNetwork.build(cols, config);
  const optimizer = make();
  const loss = buildLoss(config, net, cols);
  const batch = tf.tensor2d(x.data.subarray(0, config.batchSize * cols), [config.batchSize, cols]);
  optimizer.minimize(() => loss(net.forward(batch, { isTraining: true, dropoutSeed: 1 })), false, net.trainableVariables); // warm
  const info = await tf.profile(() => tf.tidy(() => { optimizer.minimize(() => loss(net.forward(batch, { isTraining: true, dropoutSeed: 2 })), true, net.trainableVariables); }));
  kernels[name] = info.kernels.length;
  batch.dispose(); optimizer.dispose(); net.dispose();
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`${rows}x${cols}, layers ${[cols, ...config.hiddenUnits, config.codeSize, ...config.decoderUnits, cols].join('-')}, batch ${config.batchSize}, ${steps} steps/run, load ${load0.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)}`);
for (const name of Object.keys(kinds)) console.log(`  ${name.padEnd(14)} ${median(times[name]).toFixed(2)} ms/step (runs: ${times[name].map((t) => t.toFixed(2)).join(', ')}), ${kernels[name]} kernels/step`);
console.log(`  ratio FusedAdam / tf.train.adam: ${(median(times.FusedAdam) / median(times['tf.train.adam'])).toFixed(2)}`);
