import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { writeAtomically } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { imageGridPng } from '../plots/image-grid.js';
import { checkWritable, fileSink, type Lifecycle } from './closable.js';
import { columnGroupParam, resolveGroup } from './column-groups.js';

const TYPE = 'image-grid-sink';

const positiveInt = z.number().int().positive();
const params = z.strictObject({
  path: z.string().min(1).describe('PNG file to write (atomically); a relative path resolves against the pipeline file folder'),
  rows: z
    .array(columnGroupParam)
    .min(1)
    .describe('Grid rows, top to bottom: each a column group ({prefix: p} = p0..p{n-1}, or {columns}) holding one image per data row'),
  shape: z
    .union([z.tuple([positiveInt, positiveInt]), z.tuple([positiveInt, positiveInt, positiveInt])])
    .describe('Image [height, width] or [height, width, channels] (channels 1 = grey, 3 = RGB); values row-major, channels last'),
  count: positiveInt.default(10).describe('Images per grid row: the first `count` data rows'),
  range: z.tuple([z.number(), z.number()]).default([0, 1]).describe('Values mapped to black and white, clipped outside'),
  scale: positiveInt.default(2).describe('Output pixels per image pixel (per side)'),
  gapPx: z.number().int().min(0).default(2).describe('Gap between images, in output pixels'),
});

/**
 * Draws the first `count` rows as images, one grid row per column group (e.g. the pixels, then their
 * reconstructions `r_p0…`), and writes one PNG (pngjs) atomically. Consumes the whole input (rows after the
 * first `count` are counted, not kept), so upstream stages run to the end.
 */
export const imageGridSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes the first rows as a PNG grid of images, one grid row per column group (e.g. originals above reconstructions)',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, life) => writeGrid(p, ctx, input, life));
  },
});

async function writeGrid(p: z.output<typeof params>, ctx: StageContext, input: AsyncIterable<RecordBatch>, life: Lifecycle): Promise<SinkSummary> {
  const target = resolveFilePath(ctx.baseDir, p.path);
  const shape: [number, number, number] = [p.shape[0], p.shape[1], p.shape[2] ?? 1];
  const size = shape[0] * shape[1] * shape[2];
  const images: Float32Array[][] = p.rows.map(() => []);
  let columns: string[][] | undefined;
  let rows = 0;
  let batches = 0;
  for await (const batch of input) {
    checkWritable(ctx.signal, life.isClosed, TYPE, target);
    batches++;
    const take = Math.min(batch.numRows, p.count - images[0].length);
    rows += batch.numRows;
    if (take <= 0) continue;
    columns ??= p.rows.map((group) => resolveGroup(batch.schema, group, TYPE, size));
    columns.forEach((names, g) => {
      const vectors = names.map((name) => batch.getChild(name)!);
      for (let r = 0; r < take; r++) images[g].push(Float32Array.from(vectors, (v) => Number(v.get(r) ?? NaN)));
    });
  }
  const png = imageGridPng(
    images.map((row) => ({ images: row })),
    { shape, range: p.range, scale: p.scale, gapPx: p.gapPx },
  );
  await writeAtomically(target, TYPE, (file) => file.write(png), life.closers);
  ctx.logger.info({ file: target, images: images[0].length, gridRows: p.rows.length }, `${TYPE}: wrote ${images[0].length} x ${p.rows.length} images to ${target}`);
  return { rows, batches, target };
}
