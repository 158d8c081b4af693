import {
  Bool,
  Field,
  Float32,
  RecordBatch,
  Schema,
  Struct,
  makeData,
  makeVector,
  vectorFromArray,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { DataError } from '../errors.js';
import type { Matrix } from '../models/matrix.js';
import { META, rowLocation } from './batch-meta.js';
import { concatData } from './concat-data.js';
import { takeData } from './take-rows.js';

/** A column to add to a batch: a name and an Arrow vector with one value per row. */
export interface NamedColumn {
  name: string;
  vector: Vector;
}

/** A non-null Float32 column over `values` (no copy). */
export function float32Column(name: string, values: Float32Array): NamedColumn {
  return { name, vector: makeVector(values) };
}

/** A non-null Float64 column over `values` (no copy). */
export function float64Column(name: string, values: Float64Array): NamedColumn {
  return { name, vector: makeVector(values) };
}

/** A non-null Bool column. */
export function boolColumn(name: string, values: ArrayLike<boolean>): NamedColumn {
  return { name, vector: vectorFromArray(Array.from(values), new Bool()) };
}

/**
 * Who adds columns, for the error when an added column would replace an input column: the stage type and
 * the option that renames its outputs (e.g. `{ stage: 'score', option: 'outputPrefix' }`).
 */
export interface ColumnOwner {
  stage: string;
  option: string;
}

/**
 * Returns a new batch with `columns` appended, sharing every other column's buffers with `batch`. The input
 * batch is never modified. An added column whose name is already in the batch (an input column, or an
 * earlier added one) is a DataError naming it, its position and `owner`'s renaming option: an output never
 * silently replaces an input (use {@link replaceColumns} where replacing is the documented purpose).
 */
export function withColumns(batch: RecordBatch, columns: readonly NamedColumn[], owner: ColumnOwner = { stage: 'stage', option: 'outputPrefix' }): RecordBatch {
  const fields = [...batch.schema.fields];
  const children: Data[] = [...batch.data.children];
  for (const column of columns) {
    const at = fields.findIndex((f) => f.name === column.name);
    if (at >= 0) {
      const what = at < batch.schema.fields.length ? `input column ${at + 1}` : 'another column it adds';
      throw new DataError(
        `${owner.stage}: output column ${JSON.stringify(column.name)} would replace ${what} of the same name; set \`${owner.option}\` to rename the outputs (e.g. ${owner.option}: "lf_"), or rename the input column`,
        {
          column: column.name,
          expected: `no column named ${JSON.stringify(column.name)} in the input`,
          received: `columns [${batch.schema.fields.map((f) => f.name).join(', ')}]`,
        },
      );
    }
    fields.push(fieldOf(batch, column));
    children.push(dataOf(column));
  }
  return assemble(new Schema(fields, batch.schema.metadata), children, batch.numRows);
}

/**
 * Returns a new batch where each of `columns` replaces the column of the same name, in place (for stages
 * whose documented purpose is to rewrite columns: `scale`, `corrupt`). A name not in the batch is a
 * RangeError (a programming error: the stage resolved its columns from this batch).
 */
export function replaceColumns(batch: RecordBatch, columns: readonly NamedColumn[]): RecordBatch {
  const fields = [...batch.schema.fields];
  const children: Data[] = [...batch.data.children];
  for (const column of columns) {
    const at = fields.findIndex((f) => f.name === column.name);
    if (at < 0) throw new RangeError(`replaceColumns: no column "${column.name}" to replace`);
    fields[at] = fieldOf(batch, column);
    children[at] = dataOf(column);
  }
  return assemble(new Schema(fields, batch.schema.metadata), children, batch.numRows);
}

function fieldOf(batch: RecordBatch, { name, vector }: NamedColumn): Field {
  if (vector.length !== batch.numRows) {
    throw new RangeError(`withColumns: column "${name}" has ${vector.length} values for ${batch.numRows} rows`);
  }
  return new Field(name, vector.type, vector.nullCount > 0);
}

function dataOf({ name, vector }: NamedColumn): Data {
  // Joined at the buffer level: `toArray()` drops the validity bits (a null became 0) and has no form for
  // text, so a multi-chunk column lost its nulls or failed.
  return vector.data.length === 1 ? vector.data[0] : concatData(vector.data, name);
}

/** A batch holding only the named columns, in that order (buffers shared). */
export function selectColumns(batch: RecordBatch, names: readonly string[]): RecordBatch {
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const name of names) {
    const i = batch.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new RangeError(`selectColumns: no column "${name}"`);
    fields.push(batch.schema.fields[i]);
    children.push(batch.data.children[i]);
  }
  return assemble(new Schema(fields, batch.schema.metadata), children, batch.numRows);
}

/** The same batch with different schema metadata (buffers shared). */
export function withMetadata(batch: RecordBatch, metadata: Map<string, string>): RecordBatch {
  return assemble(new Schema(batch.schema.fields, metadata), [...batch.data.children], batch.numRows);
}

/**
 * Copies the rows at `indices` (ascending keeps order) into a new batch with the same schema, exactly for
 * every column type (see {@link takeData}; an unsupported layout is a DataError, never a lossy copy).
 */
export function takeRows(batch: RecordBatch, indices: readonly number[]): RecordBatch {
  const children = batch.schema.fields.map((field, c) => takeData(batch.data.children[c], indices, field.name));
  // The file lines of the kept rows, so a later stage still reports the right line.
  const meta = batch.schema.metadata;
  const hasLines = meta.has(META.firstLine) || meta.has(META.lines);
  const lines = hasLines ? indices.map((i) => rowLocation(batch, 0, i).line ?? 0) : [];
  const metadata = new Map([...meta].filter(([k]) => k !== META.firstLine && k !== META.lines));
  if (hasLines) metadata.set(META.lines, lines.join(','));
  return assemble(new Schema(batch.schema.fields, metadata), children, indices.length);
}

/** An empty batch of the given schema. */
export function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => vectorFromArray([], f.type as DataType).data[0]);
  return assemble(schema, children, 0);
}

function assemble(schema: Schema, children: Data[], length: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

export { Float32 };

/** The columns of a row-major matrix as float32 Arrow columns, named in column order. */
export function matrixColumns(m: Matrix, names: readonly string[]): NamedColumn[] {
  return names.map((name, c) => {
    const col = new Float32Array(m.rows);
    for (let r = 0; r < m.rows; r++) col[r] = m.data[r * m.cols + c];
    return float32Column(name, col);
  });
}
