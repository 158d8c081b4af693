/**
 * Scoring cost of the code-neighbour part of the default score (src/models/autoencoder/code-neighbors.ts) by the number
 * of reference codes: rows/s of `CodeNeighbors.distances` against the model's own score of the same rows
 * (median of --repeats timings after a warm-up). Prints a Markdown table.
 *
 * Run: npx tsx bench/neighbor-speed.ts [--features 8] [--rows 20000] [--refs 256,512,1024,2048,4096] [--backend wasm]
 */
import { parseArgs } from 'node:util';
import { Autoencoder } from '../src/models/autoencoder/autoencoder.js';
import { CodeNeighbors } from '../src/models/autoencoder/code-neighbors.js';
import { gaussian, seededRandom } from '../src/models/random.js';
import { selectBackend } from '../src/runtime/backend.js';

const { values: args } = parseArgs({
  options: {
    features: { type: 'string', default: '8' },
    rows: { type: 'string', default: '20000' },
    refs: { type: 'string', default: '256,512,1024,2048,4096' },
    repeats: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const d = Number(args.features);
const repeats = Number(args.repeats);
const refs = args.refs.split(',').map(Number);
const backend = await selectBackend(args.backend as 'wasm');
const random = seededRandom(1);
const matrix = (rows: number) => ({ data: Float32Array.from({ length: rows * d }, () => gaussian(random)), rows, cols: d });
const train = matrix(Math.max(...refs));
const rows = matrix(Number(args.rows));

const model = new Autoencoder(d, { epochs: 2, neighbors: null, seed: 1 });
await model.fit(train);
const trainCodes = model.encode(train);
const codes = model.encode(rows);

function rowsPerSecond(run: () => void): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round((rows.rows / times[Math.floor(times.length / 2)]) * 1000);
}

console.log(`backend ${backend.name}, ${d} features, code ${trainCodes.cols}, ${rows.rows} rows, median of ${repeats}`);
console.log('| scored by | rows/s |');
console.log('|---|---:|');
console.log(`| the model's own score (${model.config.scoreBy}) | ${rowsPerSecond(() => model.score(rows)).toLocaleString('en-US')} |`);
for (const n of refs) {
  const nn = new CodeNeighbors({ k: 5, weight: 0.5, codes: Array.from(trainCodes.data.subarray(0, n * trainCodes.cols)), rows: n, scoreNorm: 1, distanceNorm: 1 });
  try {
    console.log(`| distance to the 5th-nearest of ${n} codes | ${rowsPerSecond(() => nn.distances(codes)).toLocaleString('en-US')} |`);
  } finally {
    nn.dispose();
  }
}
model.dispose();
