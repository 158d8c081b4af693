/**
 * Where one autoencoder epoch goes on wide data (issue 14 item 2): the 784-256-30-256-784 network (relu, linear
 * code and output, mse, Adam, lr 1e-3) on the first `--rows` MNIST digits at `--batch` rows a step, on the
 * backend `selectBackend` picks (`LATENTFLOW_BACKEND` overrides). Prints
 *
 * - the epoch as `Autoencoder.fit` runs it (one epoch, no validation split, no early stopping, no post-fit
 *   scoring statistics): wall and process CPU seconds, and GFLOP/s against the epoch's arithmetic;
 * - `tf.profile` of the same fit on `--profile-steps` steps: kernels per step and kernel milliseconds per
 *   step by kernel name (the rest of a step's time is dispatch: tape, tidy, kernel lookup, the loop);
 * - the arithmetic alone: the step's matrix products (forward, both gradients, explicit transposes; on
 *   native as its dense kernel runs them) run back to back with no tape, as a floor for what the step costs
 *   on this backend. On native, the gradients' and Adam's TensorFlow ops run outside tfjs kernels
 *   (src/runtime/native-*.ts), so the kernel table leaves them out; their time is in the step's CPU.
 *
 * FLOPs: a dense layer of w weights costs 2w per row forward and 4w backward (input and weight gradients),
 * so 6 · Σw · rows per epoch (the first layer's input gradient is computed too, and counted).
 *
 * Run: `npx tsx bench/ae-epoch-profile.ts [--rows 8000] [--batch 64] [--profile-steps 20] [--repeats 3]`
 * For a CPU profile of the JavaScript side: `node --cpu-prof --cpu-prof-dir=.cache/prof --import tsx bench/ae-epoch-profile.ts`
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../src/runtime/tf.js';
import { Autoencoder } from '../src/models/autoencoder/autoencoder.js';
import type { AutoencoderConfig } from '../src/models/autoencoder/autoencoder-options.js';
import { selectBackend } from '../src/runtime/backend.js';
import { isNativeBackend, nativeOps } from '../src/runtime/native-ops.js';
import { loadDigits, sliceDigits } from './mnist-digits.js';
import { cpuSeconds, median } from './timing.js';
import { WIDE_AE, wideAeFlopsPerRow } from './wide-ae.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '8000' },
    batch: { type: 'string', default: '64' },
    'profile-steps': { type: 'string', default: '20' },
    repeats: { type: 'string', default: '3' },
  },
});
const rows = Number(values.rows);
const batch = Number(values.batch);
const profileSteps = Number(values['profile-steps']);
const repeats = Number(values.repeats);

const backend = await selectBackend();
const x = sliceDigits(loadDigits(), 0, rows).x;
const config: AutoencoderConfig = { ...WIDE_AE.config, batchSize: batch, epochs: 1, validationSplit: 0, earlyStopping: false, scoreBy: 'reconstruction', neighbors: null };
const flops = wideAeFlopsPerRow() * rows;

const epochs: { wall: number; cpu: number }[] = [];
for (let r = 0; r < repeats; r++) {
  const ae = new Autoencoder(x.cols, { ...config, seed: r + 1 });
  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  await ae.fit(x);
  epochs.push({ wall: (performance.now() - wall0) / 1000, cpu: cpuSeconds() - cpu0 });
  ae.dispose();
}
const epochCpu = median(epochs.map((e) => e.cpu));
const steps = Math.ceil(rows / batch);

// Kernels of `profileSteps` steps (tf.profile times each kernel synchronously on wasm and cpu).
const few = { data: x.data.subarray(0, profileSteps * batch * x.cols), rows: profileSteps * batch, cols: x.cols };
const profiled = new Autoencoder(x.cols, { ...config, seed: 1 });
const info = await tf.profile(async () => void (await profiled.fit(few)));
profiled.dispose();
const byName = new Map<string, { ms: number; count: number }>();
// tf.profile also lists the scopes around kernels (customGrad's `forward`, `fusedMatMul__op`); count only the
// registered kernels of this backend, so no time is counted twice.
for (const k of info.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend()) !== undefined)) {
  const e = byName.get(k.name) ?? { ms: 0, count: 0 };
  e.ms += k.kernelTimeMs as number;
  e.count++;
  byName.set(k.name, e);
}
const kernelMsPerStep = [...byName.values()].reduce((s, e) => s + e.ms, 0) / profileSteps;

// The step's products alone: 4 forward, per layer 2 transposes + 3 products backward (dx, dW, bias as ones·dy).
const widths = WIDE_AE.widths;
const floorMs = (() => {
  const ws = widths.slice(1).map((w, i) => tf.randomNormal([widths[i], w], 0, 0.05, 'float32', i + 1) as tf.Tensor2D);
  const acts = widths.map((w) => tf.randomUniform([batch, w], 0, 1, 'float32', 7) as tf.Tensor2D);
  const ones = tf.ones([1, batch]) as tf.Tensor2D;
  // On native the products as the dense kernel runs them (src/runtime/native-dense.ts): transposed operands
  // taken by the op, the bias gradient a column sum, no input gradient for the first layer.
  const ops = isNativeBackend() ? nativeOps() : undefined;
  const once = () =>
    tf.tidy(() => {
      const out: tf.Tensor[] = [];
      ws.forEach((w, i) => {
        if (ops !== undefined) {
          out.push(ops.matMul(acts[i], w));
          if (i > 0) out.push(ops.matMul(acts[i + 1], w, false, true));
          out.push(ops.matMul(acts[i], acts[i + 1], true, false));
          out.push(ops.biasAddGrad(acts[i + 1]));
          return;
        }
        out.push(tf.matMul(acts[i], w));
        out.push(tf.matMul(acts[i + 1], tf.transpose(w)));
        out.push(tf.matMul(tf.transpose(acts[i]), acts[i + 1]));
        out.push(tf.matMul(ones, acts[i + 1]));
      });
      return out;
    }).forEach((t) => t.dispose());
  for (let i = 0; i < 5; i++) once();
  const cpu0 = cpuSeconds();
  const n = 50;
  for (let i = 0; i < n; i++) once();
  const ms = ((cpuSeconds() - cpu0) * 1000) / n;
  [...ws, ...acts, ones].forEach((t) => t.dispose());
  return ms;
})();

const stepCpuMs = (epochCpu * 1000) / steps;
const gflops = (s: number) => (flops / s / 1e9).toFixed(1);
console.log(`${WIDE_AE.widths.join('-')} on ${rows} x ${x.cols} MNIST, batch ${batch}, ${steps} steps/epoch, backend ${backend.name}; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`epoch arithmetic ${(flops / 1e9).toFixed(2)} GFLOP (6 x ${wideAeFlopsPerRow() / 6} weights x rows)`);
console.log(`epoch (Autoencoder.fit, median of ${repeats}): ${median(epochs.map((e) => e.wall)).toFixed(2)} s wall, ${epochCpu.toFixed(2)} s CPU -> ${gflops(epochCpu)} GFLOP/s of CPU; ${stepCpuMs.toFixed(1)} CPU ms/step`);
console.log(`kernels (tf.profile, ${profileSteps} steps): ${([...byName.values()].reduce((s, e) => s + e.count, 0) / profileSteps).toFixed(0)} per step, ${kernelMsPerStep.toFixed(1)} ms/step in kernels (${((100 * kernelMsPerStep) / stepCpuMs).toFixed(0)} % of the step)`);
console.log(`products alone (no tape): ${floorMs.toFixed(1)} CPU ms/step -> ${gflops((floorMs * steps) / 1000)} GFLOP/s`);
console.log('| kernel | calls/step | ms/step | share of kernel time |');
console.log('|---|---:|---:|---:|');
for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`| ${name} | ${(e.count / profileSteps).toFixed(1)} | ${(e.ms / profileSteps).toFixed(2)} | ${((100 * e.ms) / profileSteps / kernelMsPerStep).toFixed(1)} % |`);
}
