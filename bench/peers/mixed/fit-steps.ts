/**
 * Training cost per step of the mixed-type autoencoder against the numeric-only one, on the splits that
 * bench/peers/mixed/export_mixed.py wrote. Both use `fitDetector` with every default. The steps differ (each
 * model stops by its own rule), so the figure to compare is ms per step.
 *
 * Run: npx tsx bench/peers/mixed/fit-steps.ts [--data DIR] [--sets a,b] [--seed 0]
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { fitDetector, selectBackend } from '../../../src/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(root, '.cache/bench-data/mixed') },
    sets: { type: 'string', default: 'kddcup-guess_passwd,abalone9-18' },
    seed: { type: 'string', default: '0' },
  },
});
const seed = Number(args.seed);
const backend = await selectBackend('auto');
console.log(`backend ${backend.name}, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
// One untimed fit first: the backend's start-up (wasm compile, kernel set-up) is not charged to the first set.
const warm = tableFromIPC(pw.readParquet(new Uint8Array(await readFile(path.join(args.data, args.sets.split(',')[0], `seed-${seed}`, 'train.parquet')))).intoIPCStream());
(await fitDetector(warm.select(warm.schema.fields.map((f) => f.name).filter((n) => n !== 'label')), { features: 'auto', seed, model: { epochs: 2 } })).dispose();
console.log('| set | features | slots | steps | fit ms | ms / step |');
console.log('|---|---|---:|---:|---:|---:|');
for (const set of args.sets.split(',')) {
  const file = path.join(args.data, set, `seed-${seed}`, 'train.parquet');
  const table = tableFromIPC(pw.readParquet(new Uint8Array(await readFile(file))).intoIPCStream());
  const features = table.select(table.schema.fields.map((f) => f.name).filter((n) => n !== 'label'));
  for (const kind of ['auto', 'numeric'] as const) {
    const detector = await fitDetector(features, { features: kind, seed });
    const { fitMs, history } = detector.detector.training;
    const steps = history?.steps ?? NaN;
    const slots = detector.detector.encoding?.width ?? detector.features.length;
    console.log(`| ${set} | ${kind} | ${slots} | ${steps} | ${fitMs} | ${(fitMs / steps).toFixed(2)} |`);
    detector.dispose();
  }
}
console.log(`load average at the end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
