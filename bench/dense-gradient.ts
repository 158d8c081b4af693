/**
 * Training-step CPU time of the dense layer's two gradients on the wasm backend, alternating in one process:
 * `stock` is tf.fused.matMul with tfjs's own gradient (transposed products, a column sum for the bias),
 * `dense` is src/models/autoencoder/dense-op.ts (explicit transposes, bias gradient as a product). Each
 * shape: relu hidden layers, linear code and output, mean squared error, FusedAdam, median of --repeats runs
 * of --steps steps. Run: npx tsx bench/dense-gradient.ts [--repeats 5] [--steps 200]
 */
import * as tf from '../src/runtime/tf.js';
import { dense } from '../src/models/autoencoder/dense-op.js';
import { FusedAdam } from '../src/models/autoencoder/training-loop.js';
import { selectBackend } from '../src/runtime/backend.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const repeats = arg('repeats', 5);
const steps = arg('steps', 200);
await selectBackend('wasm');

/** [layer widths, batch size]: the default network for 30 columns, the same at PyOD's batch, and the MNIST bench's. */
const SHAPES: [number[], number][] = [
  [[30, 40, 10, 40, 30], 256],
  [[30, 40, 10, 40, 30], 32],
  [[784, 256, 30, 256, 784], 64],
];

function stepMs(sizes: number[], batch: number, kind: 'stock' | 'dense'): number {
  const vars: tf.Variable[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    vars.push(tf.variable(tf.randomNormal([sizes[i], sizes[i + 1]], 0, 0.1, 'float32', 1 + i)));
    vars.push(tf.variable(tf.zeros([sizes[i + 1]])));
  }
  const x = tf.randomUniform([batch, sizes[0]], 0, 1, 'float32', 7) as tf.Tensor2D;
  const codeLayer = (sizes.length - 1) / 2 - 1;
  const loss = () =>
    tf.tidy(() => {
      let h = x;
      for (let l = 0; l < vars.length / 2; l++) {
        const activation = l === codeLayer || l === vars.length / 2 - 1 ? 'linear' : 'relu';
        const [w, b] = [vars[2 * l] as unknown as tf.Tensor2D, vars[2 * l + 1] as unknown as tf.Tensor1D];
        h = kind === 'dense' ? dense(h, w, b, activation) : (tf.fused.matMul({ a: h, b: w, bias: b, activation }) as tf.Tensor2D);
      }
      return tf.mean(tf.square(tf.sub(h, x))) as tf.Scalar;
    });
  const optimizer = new FusedAdam(1e-3);
  for (let i = 0; i < 10; i++) tf.tidy(() => void optimizer.minimize(loss, false, vars));
  const start = process.cpuUsage();
  for (let i = 0; i < steps; i++) tf.tidy(() => void optimizer.minimize(loss, false, vars));
  const used = process.cpuUsage(start);
  [...vars, x].forEach((t) => t.dispose());
  optimizer.dispose();
  return (used.user + used.system) / 1000 / steps;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`backend ${tf.getBackend()}, ${repeats} repeats of ${steps} steps, CPU ms per step (median)`);
console.log('| network | batch | stock gradient | dense-op gradient | stock / dense-op |');
console.log('|---|---:|---:|---:|---:|');
for (const [sizes, batch] of SHAPES) {
  const runs = { stock: [] as number[], dense: [] as number[] };
  for (let r = 0; r < repeats; r++) for (const kind of r % 2 ? (['dense', 'stock'] as const) : (['stock', 'dense'] as const)) runs[kind].push(stepMs(sizes, batch, kind));
  const [s, d] = [median(runs.stock), median(runs.dense)];
  console.log(`| ${sizes.join('-')} | ${batch} | ${s.toFixed(3)} | ${d.toFixed(3)} | ${(s / d).toFixed(2)}× |`);
}
