/**
 * Ensemble and distance-weight study on the quickstart pump data (see quickstart-variants.ts): the quickstart
 * model config behind a standard scaler, K members seeded as in run-latentflow.ts's `x-ens`, and the ROC-AUC on
 * data/quickstart/new.csv of the mean over the first K members of (r + W·m) / (1 + W), r and m the two parts
 * of `balanced`. Run: npx tsx bench/studies/quickstart-ensemble.ts [seed...]
 */
import * as tf from '../../src/runtime/tf.js';
import { Autoencoder, rocAuc, Scaler, selectBackend } from '../../src/index.js';
import { ScoringTensors } from '../../src/models/autoencoder/autoencoder-scoring.js';
import { readQuickstart as read } from '../quickstart-data.js';

function memberSeed(seed: number, i: number): number {
  return i === 0 ? seed : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i, 0xc2b2ae35)) >>> 0;
}
await selectBackend('auto');
const train = await read('data/quickstart/train.csv');
const test = await read('data/quickstart/new.csv');
const scaler = new Scaler('standard').fit(train.x);
const xs = scaler.transform(train.x);
const t = scaler.transform(test.x);
const seeds = process.argv.slice(2).map(Number);
for (const seed of seeds.length ? seeds : [42, 1]) {
  const parts: { r: Float64Array; m: Float64Array }[] = [];
  for (let i = 0; i < 3; i++) {
    const ae = new Autoencoder(8, { hiddenUnits: [32, 16], codeSize: 3, epochs: 100, batchSize: 128, learningRate: 0.003, seed: memberSeed(seed, i) });
    await ae.fit(xs);
    const st = ae.scoring!;
    const tensors = new ScoringTensors(st);
    const recon = ae.reconstruct(t);
    const [r, m] = tf.tidy(() => {
      const p = tensors.parts(tf.tensor2d(t.data, [t.rows, t.cols]), tf.tensor2d(recon.data, [t.rows, t.cols]));
      return [tf.div(p.residual, st.residualNorm!), tf.div(p.manifold, st.manifoldNorm!)];
    });
    parts.push({ r: Float64Array.from(r.dataSync()), m: Float64Array.from(m.dataSync()) });
    tf.dispose([r, m]);
    tensors.dispose();
    ae.dispose();
  }
  const line: string[] = [];
  for (let k = 1; k <= 3; k++) {
    for (const w of [0.25, 0.33, 0.5, 0.75, 1, 1.5, 2, 3]) {
      const s = new Float64Array(t.rows);
      for (let i = 0; i < k; i++) for (let j = 0; j < s.length; j++) s[j] += (parts[i].r[j] + w * parts[i].m[j]) / (1 + w) / k;
      line.push(`k${k}-w${w} ${rocAuc(s, test.labels).toFixed(3)}`);
    }
  }
  console.log(`seed ${seed}: ${line.join('  ')}`);
}
