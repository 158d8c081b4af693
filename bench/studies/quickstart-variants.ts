/**
 * The scoring rules of the defaults study on the quickstart pump data (subtle correlation-breaking faults,
 * unlike the peer sets' mostly extreme anomalies): ROC-AUC of each on data/quickstart/new.csv, for the
 * quickstart's own model config. Run: npx tsx bench/studies/quickstart-variants.ts
 */
import { Autoencoder, type AutoencoderConfig, rocAuc, Scaler, type ScalerMethod, selectBackend } from '../../src/index.js';
import * as ex from '../peers/explore.js';
import { readQuickstart as read } from '../quickstart-data.js';

await selectBackend('auto');
const train = await read('data/quickstart/train.csv');
const test = await read('data/quickstart/new.csv');
const configs: [string, ScalerMethod, AutoencoderConfig][] = [
  ['quickstart config', 'standard', { hiddenUnits: [32, 16], codeSize: 3, epochs: 100, batchSize: 128, learningRate: 0.003, seed: 1 }],
  ['defaults, robust', 'robust', { seed: 1 }],
  ['defaults, standard', 'standard', { seed: 1 }],
];
for (const [name, scalerMethod, config] of configs) {
  const scaler = new Scaler(scalerMethod).fit(train.x);
  const xs = scaler.transform(train.x);
  const ae = new Autoencoder(8, { ...config, scoreBy: 'reconstruction' });
  await ae.fit(xs);
  const trainRecon = ae.reconstruct(xs);
  const rp1 = ex.fitReconPca(trainRecon, 1);
  const t = scaler.transform(test.x);
  const recon = ae.reconstruct(t);
  const sse = ex.residualScores(t, recon, null).map((v) => v * 8);
  const rm1 = ex.reconMahalanobis(recon, rp1);
  const trainSse = ex.residualScores(xs, trainRecon, null).map((v) => v * 8);
  const trainRm1 = ex.reconMahalanobis(trainRecon, rp1);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const balance = mean(trainRm1) / mean(trainSse);
  const st = ex.fitStats(xs, trainRecon, ae.encode(xs));
  const std = ex.residualScores(t, recon, st.residualSd).map((v) => v * 8);
  const balanceStd = mean(trainRm1) / mean(ex.residualScores(xs, trainRecon, st.residualSd).map((v) => v * 8));
  const out: Record<string, number> = {
    recon: rocAuc(sse, test.labels),
    'sse+rm1': rocAuc(ex.combine(sse, 1, rm1, 1), test.labels),
    'balanced sse+rm1': rocAuc(ex.combine(sse, balance, rm1, 1), test.labels),
    rm1: rocAuc(rm1, test.labels),
    'balstd+rm1': rocAuc(ex.combine(std, balanceStd, rm1, 1), test.labels),
    'max-norm': rocAuc(sse.map((v, i) => Math.max(v * balance, rm1[i])), test.labels),
    std: rocAuc(std, test.labels),
  };
  console.log(name.padEnd(20), Object.entries(out).map(([k, v]) => `${k} ${v.toFixed(3)}`).join('  '), ` (balance ${balance.toFixed(1)})`);
  ae.dispose();
}
