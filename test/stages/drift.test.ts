import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import { definePipeline, runPipeline, TableCollector } from '../../src/index.js';
import type { Detector } from '../../src/models/detector.js';
import { seededRandom } from '../../src/models/random.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { captureLogger } from '../helpers/logger.js';

/** `rows` rows of three correlated sensors; from row `shiftFrom` on, `b` reads 1.5 higher (a drifted sensor). */
function sensors(rows: number, seed: number, shiftFrom = Infinity): Table {
  const random = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const c = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const t = g();
    a[r] = t + 0.3 * g();
    b[r] = 2 * t + 0.3 * g() + (r >= shiftFrom ? 1.5 : 0);
    c[r] = g();
  }
  return tableFromArrays({ id: Int32Array.from({ length: rows }, (_, i) => i), a, b, c });
}

describe('drift stage', () => {
  let dir: string;
  let model: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-drift-'));
    model = path.join(dir, 'model');
    const ctx = testContext({ stageId: 'pca' });
    const fit = pcaFit.create(pcaFit.params.parse({ exclude: ['id'], k: 1 }) as never, ctx);
    await collect(fit.transform(fromArray(sensors(10_000, 1).batches)));
    await saveDetector(model, await ctx.models.get<Detector>('pca'));
    await fit.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the training reference is saved with the model and reloads equal', async () => {
    const d = await loadDetector(model);
    expect(d.drift?.features).toHaveLength(3);
    expect(d.drift?.rows).toBe(10_000);
    d.dispose();
  });

  it('flags the windows after a sensor shifts, naming it, and none before; rows pass through unchanged', async () => {
    const input = sensors(30_000, 2, 17_500);
    const before = tableToIPC(input, 'stream');
    const out = new TableCollector();
    const logger = captureLogger();
    const summary = await runPipeline(
      definePipeline({
        source: { type: 'table-source', table: input, batchRows: 1000 },
        stages: [
          { type: 'score', model },
          { type: 'drift', model, windowRows: 2500 },
        ],
        sink: { type: 'table-sink', into: out },
      }),
      { logger },
    );
    const events = logger.records.filter((l) => l.msg?.startsWith('drift detected')).map((l) => l.fields);
    // Windows of 2,500 rows: 1-7 are before the shift at row 17,500, 8-12 after it.
    expect(events.map((e) => (e.drift as { window: number }).window)).toEqual([8, 9, 10, 11, 12]);
    for (const e of events) expect((e.drift as { features: string[] }).features).toEqual(['b']);
    const stats = summary.stages.find((s) => s.type === 'drift')!.stats!;
    expect(stats).toMatchObject({ windows: 12, alarms: 5, isDrifted: true });
    expect(out.table.numRows).toBe(30_000);
    for (const name of ['id', 'a', 'b', 'c']) expect(out.table.getChild(name)!.toArray()).toEqual(input.getChild(name)!.toArray());
    expect(Buffer.from(tableToIPC(input, 'stream')).equals(Buffer.from(before))).toBe(true);
  });
});
