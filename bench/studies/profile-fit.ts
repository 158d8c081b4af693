/**
 * Where the default fit's time goes, on synthetic data of two shapes (a small set and a mid-size one):
 * network build, training loop, scoring the training rows; and kernels per training step.
 * Run: npx tsx bench/studies/profile-fit.ts [--config JSON]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../../src/runtime/tf.js';
import { Autoencoder, type AutoencoderConfig, type Matrix, selectBackend } from '../../src/index.js';

const { values } = parseArgs({ options: { config: { type: 'string', default: '{}' }, reps: { type: 'string', default: '3' } } });
const config = JSON.parse(values.config) as AutoencoderConfig;

function data(rows: number, cols: number, seed: number): Matrix {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const a = rand(), b = rand();
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.sin(j * a) + Math.cos(j * b) + 0.1 * rand();
  }
  return { data: out, rows, cols };
}

await selectBackend('auto');
console.log(`backend ${tf.getBackend()}, load ${os.loadavg()[0].toFixed(1)}, config ${JSON.stringify(config)}`);
for (const [rows, cols] of [[77, 13], [460, 8], [6046, 16]] as const) {
  const x = data(rows, cols, 1);
  for (let rep = 0; rep < Number(values.reps); rep++) {
    const t0 = performance.now();
    const ae = new Autoencoder(cols, { ...config, seed: rep });
    let steps = 0;
    const h = await ae.fit(x, { onEpoch: () => void steps++ });
    const t1 = performance.now();
    ae.score(x);
    const t2 = performance.now();
    console.log(`${rows}x${cols}: fit ${(t1 - t0).toFixed(0)} ms (${h.epochs} epochs, ${(h.fitMs / h.epochs).toFixed(1)} ms/epoch in loop), score train ${(t2 - t1).toFixed(1)} ms`);
    ae.dispose();
  }
  // Kernels in one training step, measured on a fresh model.
  const ae = new Autoencoder(cols, { ...config, epochs: 1, validationSplit: 0, earlyStopping: false, batchSize: Math.min(rows, config.batchSize ?? 256) });
  const small = { data: x.data.subarray(0, Math.min(rows, config.batchSize ?? 256) * cols), rows: Math.min(rows, config.batchSize ?? 256), cols };
  const info = await tf.profile(async () => { await ae.fit(small); });
  console.log(`  one epoch of one step: ${info.kernels.length} kernels, ${info.kernels.filter((k) => k.name.match(/Adam|Sqrt|RealDiv/)).length} optimizer-ish`);
  ae.dispose();
}
