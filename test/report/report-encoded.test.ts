import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitDetector } from '../../src/index.js';
import { reportSink } from '../../src/connectors/report-sink.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { fromArray, testContext } from '../helpers/context.js';
import { deviceTable } from '../helpers/mixed-data.js';

/** The HTML report of a model with non-numeric features: top features per original column, values as text. */
let dir: string;
let modelDir: string;

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-report-encoded-'));
  modelDir = path.join(dir, 'model');
  const detector = await fitDetector(deviceTable(600, 0, 21), { features: 'auto', exclude: ['label', 'id'], model: { epochs: 10 }, seed: 3 });
  await detector.save(modelDir);
  detector.dispose();
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('report-sink with a mixed-type model', () => {
  it('lists the top anomalies with contributions per original column (device, value, noise), never per one-hot slot', async () => {
    const file = path.join(dir, 'report.html');
    const sink = reportSink.create(reportSink.params.parse({ path: file, model: modelDir, topAnomalies: 5, topFeatures: 3 }), testContext());
    try {
      await sink.write(fromArray(deviceTable(300, 0.05, 22).batches));
    } finally {
      await sink.close();
    }
    const html = await readFile(file, 'utf8');
    const lists = [...html.matchAll(/<ul class="contrib">([\s\S]*?)<\/ul>/g)].map((m) => m[1]);
    expect(lists.length).toBe(5);
    for (const list of lists) {
      const names = [...list.matchAll(/<li><span>([^ <]+) /g)].map((m) => m[1]);
      expect([...names].sort()).toEqual(['device', 'noise', 'value']);
      // The device is shown as its category text, A..D.
      expect(list).toMatch(/device <span class="detail">[ABCD]</);
      const shares = [...list.matchAll(/<span class="num">([\d.]+) %<\/span>/g)].map((m) => Number(m[1]));
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    }
    expect(html).toContain('Feature kinds');
  }, 60_000);
});
