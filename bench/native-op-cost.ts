/**
 * What one op costs on the native backend (issue 14 item 2): a tfjs op against the TensorFlow op behind it
 * called straight through tfjs-node's binding (src/runtime/native-ops.ts), on tensors small enough that
 * the arithmetic is nothing, and on the wide autoencoder's first layer (64 x 784 times 784 x 256), where
 * tfjs' 3-D matMul adds its Reshapes and `tf.fused.matMul` its separate add and activation kernels.
 * Microseconds per call, wall and process CPU, after a warm-up.
 *
 * Run: `LATENTFLOW_BACKEND=tensorflow npx tsx bench/native-op-cost.ts [--calls 2000]`
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../src/runtime/tf.js';
import { selectBackend } from '../src/runtime/backend.js';
import { nativeDense } from '../src/runtime/native-dense.js';
import { isNativeBackend, nativeOps } from '../src/runtime/native-ops.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' } } });
const calls = Number(values.calls);
await selectBackend();
if (!isNativeBackend()) throw new Error(`native-op-cost: needs the tensorflow backend, running on ${tf.getBackend()}; set LATENTFLOW_BACKEND=tensorflow`);
const ops = nativeOps();

function measure(label: string, n: number, f: () => void): void {
  for (let i = 0; i < 50; i++) f();
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const wallUs = ((performance.now() - wall0) * 1000) / n;
  const cpu = process.cpuUsage(cpu0);
  console.log(`| ${label} | ${wallUs.toFixed(1)} | ${((cpu.user + cpu.system) / n).toFixed(1)} |`);
}

const small = [tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6])];
const x = tf.randomUniform([64, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
const w = tf.randomUniform([784, 256], -0.05, 0.05, 'float32', 2) as tf.Tensor2D;
const b = tf.randomUniform([256], -0.05, 0.05, 'float32', 3) as tf.Tensor1D;
console.log(`native op cost, ${calls} calls each; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| call | us wall | us CPU |');
console.log('|---|---:|---:|');
measure('tf.add, 3 elements', calls, () => tf.tidy(() => void tf.add(small[0], small[1])));
measure('TensorFlow Add, 3 elements', calls, () => ops.elementwise('Add', small[0], small[1]).dispose());
measure('tf.reshape, 3 elements', calls, () => tf.tidy(() => void tf.reshape(small[0], [3, 1])));
measure('tf.matMul 64x784 . 784x256', calls / 4, () => tf.tidy(() => void tf.matMul(x, w)));
measure('TensorFlow BatchMatMulV2 64x784 . 784x256', calls / 4, () => ops.matMul(x, w).dispose());
measure('tf.fused.matMul + bias + relu', calls / 4, () => tf.tidy(() => void tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' })));
measure('nativeDense relu (BatchMatMulV2, BiasAdd, Relu)', calls / 4, () => tf.tidy(() => void nativeDense(x, w, b, 'relu')));
[...small, x, w, b].forEach((t) => t.dispose());
