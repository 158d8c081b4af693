import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { binSeries, histogramSpec } from '../../src/connectors/histogram-sink.js';
import { definePipeline } from '../../src/pipeline/spec.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { imageGridPng, imageGridSize } from '../../src/plots/image-grid.js';
import { renderVegaLite, vegaLiteToSvg } from '../../src/plots/render.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-plots-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const decode = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes));

describe('image grid', () => {
  test('the PNG decodes to the computed size, with each image pixel scaled and values mapped to grey levels', () => {
    // Two grid rows of three 2 x 3 images; image j of row g is filled with (g * 3 + j) / 5.
    const rows = [0, 1].map((g) => ({ images: [0, 1, 2].map((j) => new Float32Array(6).fill((g * 3 + j) / 5)) }));
    const options = { shape: [2, 3, 1] as [number, number, number], scale: 3, gapPx: 1 };
    const png = decode(imageGridPng(rows, options));
    expect({ width: png.width, height: png.height }).toEqual(imageGridSize(2, 3, options));
    expect(png.width).toBe(3 * (3 * 3 + 1) + 1);
    expect(png.height).toBe(2 * (2 * 3 + 1) + 1);
    const grey = (x: number, y: number) => png.data[(y * png.width + x) * 4];
    expect(grey(0, 0)).toBe(128); // gap
    expect(grey(1, 1)).toBe(0); // row 0, image 0: value 0
    expect(grey(1 + 10 * 2 + 8, 1 + 5)).toBe(Math.round((255 * 2) / 5)); // row 0, image 2, last pixel
    expect(grey(1 + 10, 1 + 7 + 3)).toBe(Math.round((255 * 4) / 5)); // row 1, image 1
    expect(png.data[3]).toBe(255); // opaque
  });

  test('values outside the range are clipped; RGB images keep their channels', () => {
    const png = decode(imageGridPng([{ images: [[-1, 2, 0.5]] }], { shape: [1, 1, 3], scale: 1, gapPx: 0 }));
    expect(Array.from(png.data.subarray(0, 4))).toEqual([0, 255, 128, 255]);
  });

  test('a wrong image length is refused', () => {
    expect(() => imageGridPng([{ images: [new Float32Array(5)] }], { shape: [2, 3, 1] })).toThrow(/needs 6 values, received 5/);
  });
});

describe('charts', () => {
  test('binSeries shares equal-width edges across series and counts every finite value once', () => {
    const [a, b] = binSeries([{ label: 'a', values: [0, 0.1, 0.5, 1] }, { label: 'b', values: [0.99, NaN, 0.2] }], 4);
    expect(a.edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(a.counts).toEqual([2, 0, 1, 1]);
    expect(b.counts).toEqual([1, 0, 0, 1]);
    expect(binSeries([{ label: 'c', values: [5, -5] }], 2, [0, 1])[0].counts).toEqual([1, 1]);
  });

  test('a Vega-Lite chart renders to SVG text and to a PNG of twice the SVG size', async () => {
    const spec = histogramSpec(binSeries([{ label: 'x', values: [1, 2, 2, 3] }], 3), { layout: 'overlay', xTitle: 'v', widthPx: 200, heightPx: 100 });
    const svg = await vegaLiteToSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    const png = decode((await renderVegaLite(spec, 'png')) as Uint8Array);
    expect(png.width).toBe(2 * Number(w));
    expect(png.height).toBe(2 * Number(h));
  });
});

describe('plot sinks in a pipeline', () => {
  test('image-grid-sink and histogram-sink write decodable files atomically', async () => {
    const rows = 25;
    const columns: Record<string, Float32Array> = {};
    for (let p = 0; p < 16; p++) columns[`p${p}`] = Float32Array.from({ length: rows }, (_, r) => ((r + p) % 16) / 15);
    for (let z = 0; z < 3; z++) columns[`z${z}`] = Float32Array.from({ length: rows }, (_, r) => Math.sin(r * (z + 1)));
    const file = path.join(dir, 'in.arrow');
    await writeFile(file, tableToIPC(tableFromArrays(columns), 'file'));
    const grid = await runPipeline(
      definePipeline({
        source: { type: 'ipc-source', path: file, batchRows: 10 },
        sink: { type: 'image-grid-sink', path: path.join(dir, 'grid.png'), shape: [4, 4], count: 6, scale: 3, rows: [{ prefix: 'p' }, { prefix: 'p' }] },
      }),
    );
    expect(grid.rows).toBe(25);
    const png = decode(await readFile(path.join(dir, 'grid.png')));
    expect([png.width, png.height]).toEqual([6 * (12 + 2) + 2, 2 * (12 + 2) + 2]);

    for (const name of ['hist.png', 'hist.svg']) {
      await runPipeline(
        definePipeline({
          source: { type: 'ipc-source', path: file },
          sink: { type: 'histogram-sink', path: path.join(dir, name), series: [{ prefix: 'z', label: 'codes' }, { columns: ['p0', 'p1'] }], bins: 10 },
        }),
      );
    }
    const hist = decode(await readFile(path.join(dir, 'hist.png')));
    expect(hist.width).toBeGreaterThan(400);
    expect(hist.height).toBeGreaterThan(300);
    expect((await readFile(path.join(dir, 'hist.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('a missing image column is a DataError naming it', async () => {
    const file = path.join(dir, 'short.arrow');
    await writeFile(file, tableToIPC(tableFromArrays({ p0: Float32Array.from([0, 1]), p1: Float32Array.from([1, 0]) }), 'file'));
    await expect(
      runPipeline(
        definePipeline({
          source: { type: 'ipc-source', path: file },
          sink: { type: 'image-grid-sink', path: path.join(dir, 'bad.png'), shape: [2, 2], rows: [{ prefix: 'p' }] },
        }),
      ),
    ).rejects.toThrow(/has 4 columns|missing column|p2/);
  });
});
