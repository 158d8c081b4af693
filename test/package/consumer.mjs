// A new user's first program, run from an empty project where latentflow was installed from its packed
// tarball (scripts/test-pack.sh): the README's library example, on the data the package ships.
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { definePipeline, runPipeline, loadDetector, Autoencoder, selectBackend } from 'latentflow';

const pkg = path.dirname(createRequire(import.meta.url).resolve('latentflow/package.json'));
const out = await mkdtemp(path.join(os.tmpdir(), 'latentflow-consumer-'));
const spec = definePipeline({
  source: { type: 'csv-source', path: path.join(pkg, 'data/quickstart/train.csv') },
  seed: 1,
  stages: [{ type: 'autoencoder-fit', id: 'ae', saveTo: path.join(out, 'model'), model: { epochs: 3 } }, { type: 'score', model: 'ae' }],
  sink: { type: 'parquet-sink', path: path.join(out, 'scored.parquet') },
});
const summary = await runPipeline(spec);
assert.equal(summary.rows, 5000);
assert.ok((await readdir(out)).includes('scored.parquet'));
const detector = await loadDetector(path.join(out, 'model'));
assert.ok(detector);

await selectBackend();
const rows = 64;
const cols = 4;
const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
const ae = new Autoencoder(cols, { codeSize: 2, seed: 1, epochs: 2 });
await ae.fit({ data, rows, cols });
const scores = ae.score({ data, rows, cols });
assert.equal(scores.length, rows);
ae.dispose();
console.log(JSON.stringify({ ok: true, rows: summary.rows, backend: summary.backend }));
