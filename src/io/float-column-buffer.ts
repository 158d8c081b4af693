import { Float32, Float64, makeData, type Data } from 'apache-arrow';
import { canonicalDecimalValue, isCanonicalDecimal } from './canonical-decimal.js';
import { exactFloat, isNullText, type BadCell, type Respelled } from './csv-types.js';

/**
 * A float64 or float32 CSV column filled cell by cell straight into its typed array: a cell written as
 * float64 writes it back (the common case) is parsed from the record's text without a substring (see
 * {@link canonicalDecimalValue}); any other cell (null texts, other spellings, bad values) is kept as text
 * and resolved by {@link finish} exactly as `buildColumn` resolves it, so the column, its nulls, the
 * respelled-cell callbacks and the first bad cell are the same as from `buildColumn` over the cell texts.
 *
 * Only for columns whose null texts are not canonical decimals (see {@link FloatColumnBuffer.isUsable}): a
 * cell is parsed before it is checked for null.
 */
export class FloatColumnBuffer {
  private values: Float32Array | Float64Array;
  // Rows (ascending) and texts of the cells left for finish().
  private otherRows: number[] = [];
  private otherTexts: string[] = [];

  /** `capacity`: rows per batch; a batch never holds more. */
  constructor(
    private readonly type: 'float64' | 'float32',
    private readonly capacity: number,
  ) {
    this.values = this.allocate();
  }

  /** True when no text of `nulls` is a canonical decimal, so a parsed cell is never a null. */
  static isUsable(nulls: ReadonlySet<string>): boolean {
    return ![...nulls].some((text) => isCanonicalDecimal(text));
  }

  /** Sets row `row` from `text` between `start` and `end` (rows are set in order, each once). */
  set(row: number, text: string, start: number, end: number): void {
    const x = canonicalDecimalValue(text, start, end);
    if (!Number.isNaN(x)) {
      this.values[row] = x;
      return;
    }
    this.otherRows.push(row);
    this.otherTexts.push(start === 0 && end === text.length ? text : text.slice(start, end));
  }

  /** Forgets rows from `rows` on (a record that turned out to have the wrong number of fields). */
  truncate(rows: number): void {
    while (this.otherRows.length > 0 && this.otherRows[this.otherRows.length - 1] >= rows) {
      this.otherRows.pop();
      this.otherTexts.pop();
    }
  }

  /**
   * The column of the first `rows` rows, resolving the kept cells in row order; the buffer then starts
   * the next batch. `bad` and `respelled` are as for `buildColumn`.
   */
  finish(rows: number, nulls: ReadonlySet<string>, bad: BadCell, respelled?: Respelled): Data {
    const values = rows === this.capacity ? this.values : this.values.slice(0, rows);
    const { otherRows, otherTexts } = this;
    this.values = this.allocate();
    this.otherRows = [];
    this.otherTexts = [];
    let validity: Uint8Array | undefined;
    let nullCount = 0;
    for (let k = 0; k < otherRows.length; k++) {
      const row = otherRows[k];
      const text = otherTexts[k];
      if (isNullText(text, nulls)) {
        // All valid, then the null bits cleared; the bits past the last row stay clear, as Arrow builds them.
        if (validity === undefined) {
          validity = new Uint8Array((rows + 7) >> 3).fill(0xff);
          if ((rows & 7) !== 0) validity[validity.length - 1] = (1 << (rows & 7)) - 1;
        }
        validity[row >> 3] &= ~(1 << (row & 7));
        values[row] = 0;
        nullCount++;
        continue;
      }
      values[row] = exactFloat(row, text, bad, respelled);
    }
    const bitmap = validity !== undefined ? { nullBitmap: validity, nullCount } : { nullCount: 0 };
    return values instanceof Float64Array
      ? makeData({ type: new Float64(), length: rows, data: values, ...bitmap })
      : makeData({ type: new Float32(), length: rows, data: values, ...bitmap });
  }

  private allocate(): Float32Array | Float64Array {
    return this.type === 'float64' ? new Float64Array(this.capacity) : new Float32Array(this.capacity);
  }
}
