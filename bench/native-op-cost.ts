/**
 * What one op costs on the native backend (issue 14 item 2): a tfjs op against the TensorFlow op behind it
 * called straight through tfjs-node's binding (src/runtime/native-ops.ts), on tensors small enough that
 * the arithmetic is nothing, and on the wide autoencoder's first layer (64 x 784 times 784 x 256), where
 * tfjs' 3-D matMul adds its Reshapes and `tf.fused.matMul` its separate add and activation kernels.
 * Also the two batch-matmul ops on 2-D operands at the autoencoder's sizes: `BatchMatMulV2` (oneDNN in this
 * build) and `BatchMatMulV3` (Eigen), which `NativeOps.matMul` chooses between by size.
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
measure('NativeOps.matMul 64x784 . 784x256', calls / 4, () => ops.matMul(x, w).dispose());
measure('tf.fused.matMul + bias + relu', calls / 4, () => tf.tidy(() => void tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' })));
measure('nativeDense relu (BatchMatMulV2, BiasAdd, Relu)', calls / 4, () => tf.tidy(() => void nativeDense(x, w, b, 'relu')));

// The raw ops behind NativeOps.matMul, called through tfjs-node's backend (its internals, for this bench only).
const backend = tf.backend() as unknown as {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: object[], inputs: tf.Tensor[]): tf.Tensor;
};
const { TF_ATTR_TYPE, TF_ATTR_BOOL, TF_FLOAT } = backend.binding;
const type = (name: string) => ({ name, type: TF_ATTR_TYPE, value: TF_FLOAT });
const product = (op: 'BatchMatMulV2' | 'BatchMatMulV3', a: tf.Tensor, c: tf.Tensor, transposeA: boolean, transposeB: boolean) =>
  backend.executeSingleOutput(op, [...(op === 'BatchMatMulV2' ? [type('T')] : [type('Ta'), type('Tb'), type('Tout')]), { name: 'adj_x', type: TF_ATTR_BOOL, value: transposeA }, { name: 'adj_y', type: TF_ATTR_BOOL, value: transposeB }], [a, c]);
const h = tf.randomUniform([64, 256], 0, 1, 'float32', 4);
const code = tf.randomUniform([64, 30], 0, 1, 'float32', 5);
const w2 = tf.randomUniform([256, 30], -0.05, 0.05, 'float32', 6);
const y = tf.randomUniform([64, 256], 0, 1, 'float32', 7);
for (const op of ['BatchMatMulV2', 'BatchMatMulV3'] as const) {
  measure(`${op} 64x256 . 256x30`, calls / 4, () => product(op, h, w2, false, false).dispose());
  measure(`${op} 64x30 . (256x30)^T`, calls / 4, () => product(op, code, w2, false, true).dispose());
  measure(`${op} (64x256)^T . 64x30`, calls / 4, () => product(op, h, code, true, false).dispose());
  measure(`${op} 64x784 . 784x256`, calls / 4, () => product(op, x, w, false, false).dispose());
  measure(`${op} 64x256 . (784x256)^T`, calls / 4, () => product(op, y, w, false, true).dispose());
  measure(`${op} (64x784)^T . 64x256`, calls / 4, () => product(op, x, y, true, false).dispose());
}
[...small, x, w, b, h, code, w2, y].forEach((t) => t.dispose());
