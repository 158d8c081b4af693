/**
 * The MNIST demo at full size: runs pipelines/mnist-demo.yaml with all 8,000 training digits and more epochs
 * than the quick run the test suite uses; the stages, held-out digits and outputs (out/mnist/) are the same.
 * Exports data/mnist/{train,test}.parquet first if they are missing.
 *
 * Run: `npx tsx scripts/mnist-demo-full.ts [--train-rows 8000] [--epochs 20]` (npm run demo:mnist).
 * About 6-10 minutes on 2 cores with the WebAssembly backend.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { runPipeline } from '../src/pipeline/runner.js';
import { loadPipelineFile } from '../src/pipeline/spec.js';
import { createLogger } from '../src/runtime/logger.js';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { 'train-rows': { type: 'string', default: '8000' }, epochs: { type: 'string', default: '20' } } });
const trainRows = Number(values['train-rows']);
const epochs = Number(values.epochs);
if (!(trainRows >= 1 && trainRows <= 8000) || !(epochs >= 1)) throw new Error('--train-rows must be in 1..8000 and --epochs >= 1');

if (!existsSync(path.join(root, 'data/mnist/train.parquet')) || !existsSync(path.join(root, 'data/mnist/test.parquet'))) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'scripts/export-mnist.ts')], { stdio: 'inherit' });
}
const specs = await loadPipelineFile(path.join(root, 'pipelines/mnist-demo.yaml'));
for (const stage of specs[0].stages) {
  if (stage.id === 'train-rows') stage.params.rows = trainRows;
  if (stage.type === 'autoencoder-fit') (stage.params.model as { epochs: number }).epochs = epochs;
}
const logger = createLogger({ level: 'info' });
const started = performance.now();
for (const spec of specs) {
  const summary = await runPipeline(spec, { logger });
  console.log(`${spec.name}: ${summary.rows} rows in ${(summary.durationMs / 1000).toFixed(1)} s`);
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; see out/mnist/*.png (${trainRows} training digits, ${epochs} epochs)`);
