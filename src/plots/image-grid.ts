import { createRequire } from 'node:module';

// Loaded on first use: every command imports the image-grid sink through the registry.
const require = createRequire(import.meta.url);

/**
 * A grid of small images (digits, patches) as one PNG, encoded by `pngjs`. Each grid row is a set of images
 * (for example the originals, then their reconstructions); grid column j shows data row j in every grid row,
 * so an image sits right above its reconstruction.
 */

/** One grid row: `images[j]` holds the values of image j, row-major, channels last (`height·width·channels` values). */
export interface GridRow {
  images: ArrayLike<number>[];
}

/** Layout and value mapping of {@link imageGridPng}. */
export interface ImageGridOptions {
  /** Image height and width in pixels, and channels: 1 (grey) or 3 (RGB). */
  shape: [number, number, number];
  /** Values mapped to black (0) and white (255); values outside are clipped. Default `[0, 1]`. */
  range?: [number, number];
  /** Each image pixel becomes `scale x scale` output pixels; integer >= 1. Default 2. */
  scale?: number;
  /** Gap between images and around the grid, in output pixels. Default 2. */
  gapPx?: number;
  /** Grey level (0..255) of the gaps. Default 128. */
  gapGrey?: number;
}

/** Output size in pixels of a grid of `rows` x `columns` images. */
export function imageGridSize(rows: number, columns: number, options: ImageGridOptions): { width: number; height: number } {
  const scale = options.scale ?? 2;
  const gap = options.gapPx ?? 2;
  const [h, w] = options.shape;
  return { width: columns * (w * scale + gap) + gap, height: rows * (h * scale + gap) + gap };
}

/** Encodes the grid as PNG bytes (8-bit RGBA). Every grid row must hold the same number of images. */
export function imageGridPng(rows: readonly GridRow[], options: ImageGridOptions): Uint8Array {
  const [h, w, channels] = options.shape;
  if (channels !== 1 && channels !== 3) throw new RangeError(`imageGrid: channels must be 1 or 3, received ${channels}`);
  const scale = options.scale ?? 2;
  const gap = options.gapPx ?? 2;
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo)) throw new RangeError(`imageGrid: range must be [min, max] with min < max, received [${lo}, ${hi}]`);
  const columns = rows[0]?.images.length ?? 0;
  for (const row of rows) {
    if (row.images.length !== columns) throw new RangeError(`imageGrid: every grid row needs ${columns} images, received ${row.images.length}`);
  }
  const { width, height } = imageGridSize(rows.length, columns, options);
  const { PNG } = require('pngjs') as typeof import('pngjs');
  const png = new PNG({ width, height });
  png.data.fill(options.gapGrey ?? 128);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  const toByte = (v: number) => (Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo)))) : 0);
  rows.forEach((row, gr) => {
    row.images.forEach((image, gc) => {
      if (image.length !== h * w * channels) {
        throw new RangeError(`imageGrid: an image of shape [${h}, ${w}, ${channels}] needs ${h * w * channels} values, received ${image.length}`);
      }
      const top = gap + gr * (h * scale + gap);
      const left = gap + gc * (w * scale + gap);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const at = (y * w + x) * channels;
          const rgb = channels === 1 ? [toByte(image[at]), toByte(image[at]), toByte(image[at])] : [toByte(image[at]), toByte(image[at + 1]), toByte(image[at + 2])];
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const o = ((top + y * scale + dy) * width + left + x * scale + dx) * 4;
              png.data[o] = rgb[0];
              png.data[o + 1] = rgb[1];
              png.data[o + 2] = rgb[2];
            }
          }
        }
      }
    });
  });
  return PNG.sync.write(png);
}
