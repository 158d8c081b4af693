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
import type { Matrix } from '../models/matrix.js';

/** A column to add to a batch: a name and an Arrow vector with one value per row. */
export interface NamedColumn {
  name: string;
  vector: Vector;
}

/** A non-null Float32 column over `values` (no copy). */
export function float32Column(name: string, values: Float32Array): NamedColumn {
  return { name, vector: makeVector(values) };
}

/** A non-null Bool column. */
export function boolColumn(name: string, values: ArrayLike<boolean>): NamedColumn {
  return { name, vector: vectorFromArray(Array.from(values), new Bool()) };
}

/**
 * Returns a new batch with `columns` appended (or replacing same-named ones in place), sharing every other
 * column's buffers with `batch`. The input batch is never modified.
 */
export function withColumns(batch: RecordBatch, columns: readonly NamedColumn[]): RecordBatch {
  const fields = [...batch.schema.fields];
  const children: Data[] = [...batch.data.children];
  for (const { name, vector } of columns) {
    if (vector.length !== batch.numRows) {
      throw new RangeError(`withColumns: column "${name}" has ${vector.length} values for ${batch.numRows} rows`);
    }
    const data = vector.data.length === 1 ? vector.data[0] : makeVector(vector.toArray()).data[0];
    const field = new Field(name, vector.type, vector.nullCount > 0);
    const at = fields.findIndex((f) => f.name === name);
    if (at >= 0) {
      fields[at] = field;
      children[at] = data;
    } else {
      fields.push(field);
      children.push(data);
    }
  }
  return assemble(new Schema(fields, batch.schema.metadata), children, batch.numRows);
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

/** Copies the rows at `indices` (ascending keeps order) into a new batch with the same schema. */
export function takeRows(batch: RecordBatch, indices: readonly number[]): RecordBatch {
  const children = batch.schema.fields.map((field, c) => {
    const column = batch.getChildAt(c)!;
    const values = indices.map((i) => column.get(i));
    return vectorFromArray(values, field.type as DataType).data[0];
  });
  return assemble(batch.schema, children, indices.length);
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
