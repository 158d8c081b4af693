import type { Matrix } from './matrix.js';

/**
 * The fitted encoding of mixed-type feature columns into one float matrix, as plain JSON (saved in the model
 * manifest). The encoder from Arrow columns to this matrix lives in io/feature-encoder.ts; models only see
 * the matrix and its blocks.
 *
 * Slot order: every `numeric` block first (numeric columns, then timestamp cyclic slots), in feature order,
 * so the scaler covers exactly the leading `numericWidth` slots; then the `binary` and `categorical` blocks,
 * in feature order, unscaled (their targets are 0/1).
 */

/** What a feature column is: how it is read, encoded and which loss it gets. */
export type ColumnKind = 'numeric' | 'boolean' | 'categorical' | 'timestamp';

/** The cyclic features a timestamp column can give (UTC), each as a sin/cos pair. */
export type CyclicFeature = 'hourOfDay' | 'dayOfWeek';

/**
 * A run of matrix slots that belongs to one original column, and how its reconstruction is judged:
 * `numeric` squared error (mean over the block's slots), `binary` sigmoid cross-entropy (one slot),
 * `categorical` softmax cross-entropy over the block.
 */
export interface FeatureBlock {
  column: string;
  loss: 'numeric' | 'binary' | 'categorical';
  /** First slot (column of the encoded matrix). */
  start: number;
  width: number;
}

/** Reserved slot labels of a categorical block (after the kept categories or hash buckets). */
export const OTHER_SLOT = '__other__';
export const UNKNOWN_SLOT = '__unknown__';
export const NULL_SLOT = '__null__';

/** How one feature column is encoded. */
export type ColumnEncoding =
  | { column: string; kind: 'numeric' }
  | { column: string; kind: 'boolean' }
  | { column: string; kind: 'timestamp'; cyclic: CyclicFeature[] }
  | {
      column: string;
      kind: 'categorical';
      /**
       * `one-hot`: one slot per kept category, then other, unknown, null. `hash`: `buckets` slots chosen by
       * FNV-1a of the value, then unknown, null.
       */
      method: 'one-hot' | 'hash';
      /** one-hot: the kept categories, most frequent first (ties by value). hash: empty. */
      categories: string[];
      /** hash: slot count before unknown and null; one-hot: 0. */
      buckets: number;
      /**
       * Every other value seen at fit (one-hot: the rare ones folded into other; hash: every value), so a
       * value seen at fit is never counted as unknown at score time.
       */
      seen: string[];
    };

/** What to do with a categorical value not seen at fit: the unknown slot (counted), or a DataError naming row and column. */
export type UnknownPolicy = 'slot' | 'error';

/** A fitted encoding of the feature columns (the manifest's `encoding`). */
export interface FeatureEncoding {
  version: 1;
  columns: ColumnEncoding[];
  onUnknown: UnknownPolicy;
  /** Slot count of the encoded matrix. */
  width: number;
  /** Leading slots that are numeric (scaled); the rest are 0/1 targets. */
  numericWidth: number;
  blocks: FeatureBlock[];
}

/** Slots a column takes in the encoded matrix. */
export function encodedWidth(c: ColumnEncoding): number {
  switch (c.kind) {
    case 'numeric':
    case 'boolean':
      return 1;
    case 'timestamp':
      return 2 * c.cyclic.length;
    case 'categorical':
      return (c.method === 'one-hot' ? c.categories.length + 1 : c.buckets) + 2;
  }
}

/** The blocks of `columns` in slot order (see the module comment), and the numeric width. */
export function layoutBlocks(columns: readonly ColumnEncoding[]): { blocks: FeatureBlock[]; width: number; numericWidth: number } {
  const isNumeric = (c: ColumnEncoding) => c.kind === 'numeric' || c.kind === 'timestamp';
  const blocks: FeatureBlock[] = [];
  let at = 0;
  for (const c of [...columns.filter(isNumeric), ...columns.filter((c) => !isNumeric(c))]) {
    const width = encodedWidth(c);
    blocks.push({ column: c.column, loss: isNumeric(c) ? 'numeric' : c.kind === 'boolean' ? 'binary' : 'categorical', start: at, width });
    at += width;
  }
  const numericWidth = blocks.filter((b) => b.loss === 'numeric').reduce((n, b) => n + b.width, 0);
  return { blocks, width: at, numericWidth };
}

/**
 * Weight of each slot's element loss in its column's error: 1/width for numeric blocks (a timestamp's sin/cos
 * pairs count as one column), 1 for binary and categorical (the cross-entropy is the block's sum). Every
 * original column then weighs the same in the row score, however wide its one-hot block: a row's score is
 * the mean over columns of the column errors, and so is the training loss.
 */
export function slotWeights(blocks: readonly FeatureBlock[], width: number): Float32Array {
  const w = new Float32Array(width);
  for (const b of blocks) w.fill(b.loss === 'numeric' ? 1 / b.width : 1, b.start, b.start + b.width);
  return w;
}

/**
 * Per-slot element errors (rows x width) summed into one error per block, weighted by {@link slotWeights}:
 * rows x blocks, in the order of `columnOrder` (the model's feature names), not slot order.
 */
export function columnErrors(slotErrors: Matrix, encoding: Pick<FeatureEncoding, 'blocks' | 'width'>, columnOrder: readonly string[]): Matrix {
  const w = slotWeights(encoding.blocks, encoding.width);
  const byName = new Map(encoding.blocks.map((b) => [b.column, b]));
  const order = columnOrder.map((name) => byName.get(name)!);
  const cols = order.length;
  const out = new Float32Array(slotErrors.rows * cols);
  for (let r = 0; r < slotErrors.rows; r++) {
    const row = r * slotErrors.cols;
    order.forEach((b, c) => {
      let sum = 0;
      for (let j = b.start; j < b.start + b.width; j++) sum += w[j] * slotErrors.data[row + j];
      out[r * cols + c] = sum;
    });
  }
  return { data: out, rows: slotErrors.rows, cols };
}
