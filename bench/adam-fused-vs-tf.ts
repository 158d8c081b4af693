/**
 * Step time of FusedAdam against tf.train.adam on the MNIST bench's network (784-256-30-256-784, elu, sigmoid
 * output, batch 64), alternating in one process, CPU ms per step. Chose FUSED_ADAM_MAX_PARAMS in
 * src/models/autoencoder/training-loop.ts. Run: npx tsx bench/adam-fused-vs-tf.ts
 */
import * as tf from '../src/runtime/tf.js';
import { FusedAdam } from '../src/models/autoencoder/training-loop.js';
import { selectBackend } from '../src/runtime/backend.js';
await selectBackend();
const sizes = [784, 256, 30, 256, 784];
function makeVars() {
  const vs: tf.Variable[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    vs.push(tf.variable(tf.randomNormal([sizes[i], sizes[i + 1]], 0, 0.05, 'float32', 1 + i), true, `w${i}_${Math.random()}`));
    vs.push(tf.variable(tf.zeros([sizes[i + 1]]), true, `b${i}_${Math.random()}`));
  }
  return vs;
}
const x = tf.randomUniform([64, 784], 0, 1, 'float32', 7);
function loss(vs: tf.Variable[]) {
  return () => tf.tidy(() => {
    let h: tf.Tensor = x;
    for (let i = 0; i < vs.length; i += 2) {
      h = tf.add(tf.matMul(h, vs[i]), vs[i + 1]);
      h = i + 2 < vs.length ? tf.elu(h) : tf.sigmoid(h);
    }
    return tf.mean(tf.square(tf.sub(h, x))) as tf.Scalar;
  });
}
const steps = 40;
function run(kind: 'fused' | 'tf') {
  const vs = makeVars();
  const opt = kind === 'fused' ? new FusedAdam(0.002) : tf.train.adam(0.002);
  const f = loss(vs);
  for (let i = 0; i < 3; i++) tf.tidy(() => { opt.minimize(f, false, vs); });
  const t0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) tf.tidy(() => { opt.minimize(f, false, vs); });
  const c = process.cpuUsage(t0);
  vs.forEach((v) => v.dispose());
  opt.dispose();
  return (c.user + c.system) / 1000 / steps;
}
for (let r = 0; r < 3; r++) console.log(`fused ${run('fused').toFixed(1)} ms/step   tf.train.adam ${run('tf').toFixed(1)} ms/step`);
