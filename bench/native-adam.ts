/**
 * One Adam step over the wide autoencoder's weights (784-256-30-256-784: 417 k numbers in 8 variables) on
 * the native backend, both ways `FusedAdam` can take it: TensorFlow's fused `ResourceApplyAdam` per
 * variable (src/runtime/native-adam.ts, what it uses there) and its tfjs-op path (concatenate, about a
 * dozen elementwise ops over the flat vector, split; what it uses on wasm). Fixed random gradients, the
 * gradient pass itself excluded; milliseconds a step, wall and process CPU, the two alternating.
 *
 * Run: `LATENTFLOW_BACKEND=tensorflow npx tsx bench/native-adam.ts [--steps 200]`
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../src/runtime/tf.js';
import { FusedAdam } from '../src/models/autoencoder/training-loop.js';
import { selectBackend } from '../src/runtime/backend.js';
import { isNativeBackend } from '../src/runtime/native-ops.js';
import { WIDE_AE } from './wide-ae.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '200' } } });
const steps = Number(values.steps);
await selectBackend();
if (!isNativeBackend()) throw new Error(`native-adam: needs the tensorflow backend, running on ${tf.getBackend()}; set LATENTFLOW_BACKEND=tensorflow`);

const widths = WIDE_AE.widths;
const variables = widths.slice(1).flatMap((w, i) => [tf.variable(tf.randomUniform([widths[i], w], -0.05, 0.05, 'float32', i + 1)), tf.variable(tf.zeros([w]))]);
const grads: tf.NamedTensorMap = Object.fromEntries(variables.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 0.01, 'float32', 100 + i)]));
// The two private paths of FusedAdam.minimize, called with the same gradients (no tape in the timing).
type Paths = { nativeStep(v: tf.Variable[], g: tf.NamedTensorMap): void; stepWithOps(v: tf.Variable[], g: tf.NamedTensorMap): void };
const ways = {
  'ResourceApplyAdam per variable (native path)': (o: Paths) => o.nativeStep(variables, grads),
  'tfjs ops over the concatenated gradients': (o: Paths) => o.stepWithOps(variables, grads),
};
const results = new Map<string, { wall: number[]; cpu: number[] }>();
for (let round = 0; round < 3; round++) {
  for (const [name, step] of Object.entries(ways)) {
    const optimizer = new FusedAdam(1e-3);
    const run = () => tf.tidy(() => step(optimizer as unknown as Paths));
    for (let i = 0; i < 10; i++) run();
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) run();
    const cpu = process.cpuUsage(cpu0);
    const r = results.get(name) ?? { wall: [], cpu: [] };
    r.wall.push((performance.now() - wall0) / steps);
    r.cpu.push((cpu.user + cpu.system) / 1000 / steps);
    results.set(name, r);
    optimizer.dispose();
  }
}
console.log(`Adam step over ${variables.reduce((s, v) => s + v.size, 0)} weights in ${variables.length} variables, ${steps} steps x 3 rounds; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| way | ms/step wall (rounds) | ms/step CPU (rounds) |');
console.log('|---|---:|---:|');
for (const [name, r] of results) console.log(`| ${name} | ${r.wall.map((x) => x.toFixed(2)).join(', ')} | ${r.cpu.map((x) => x.toFixed(2)).join(', ')} |`);
