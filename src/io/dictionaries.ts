import { DataType, Field, RecordBatch, Schema, Struct, makeData, makeVector, util, type Data, type Dictionary, type Vector } from 'apache-arrow';
import { DataError } from '../errors.js';
import { concatData } from './concat-data.js';
import { takeData } from './take-rows.js';

/** `makeData` for a dictionary column built from parts (its props are typed per index type). */
const make = makeData as unknown as (props: Record<string, unknown>) => Data;

/** One column's dictionary so far. */
interface ColumnDictionary {
  /** The first batch's dictionary type (its id serves the whole file). */
  type: Dictionary;
  /** The first batch's dictionary: the first chunk of `dictionary`. */
  first: Vector;
  /** Every value seen so far, one chunk per batch that brought new ones. */
  dictionary: Vector;
  /** Position of each value in `dictionary`, for value types matched by JS value; undefined otherwise. */
  positions: Map<unknown, number> | undefined;
}

/**
 * Keeps dictionary-encoded columns dictionary-encoded across the batches of one output file. Each batch of
 * a stream may bring its own dictionary (one per Parquet row group, say), but an Arrow IPC file holds one
 * dictionary per column, extended only by deltas. So every column keeps one growing dictionary: the first
 * batch's dictionary, then each later batch's values not seen yet, appended as a new chunk (which the Arrow
 * writer emits as a delta); the batch's indices are remapped onto it. Batches that share the first
 * dictionary pass as they are. Values are matched by their JS value (strings, ints, bools); other value
 * types (floats, where Map would equate 0 and -0) are appended whole: exact, possibly with repeats. Later batches are relabelled with
 * the first batch's dictionary type, so one dictionary id serves the whole file.
 */
export class DictionaryUnifier {
  private readonly columns = new Map<number, ColumnDictionary>();

  constructor(private readonly connector: string) {}

  unify(batch: RecordBatch): RecordBatch {
    const fields = batch.schema.fields;
    if (!fields.some((f) => DataType.isDictionary(f.type))) return batch;
    const newFields: Field[] = [...fields];
    const children: Data[] = [...batch.data.children];
    fields.forEach((field, c) => {
      if (!DataType.isDictionary(field.type)) return;
      const data = batch.data.children[c];
      const state = this.columns.get(c);
      if (state === undefined) {
        this.columns.set(c, { type: field.type, first: data.dictionary!, dictionary: data.dictionary!, positions: positionsOf(data.dictionary!) });
        return;
      }
      if (!sameDictionaryType(state.type, field.type)) return; // the schema guard names the difference
      newFields[c] = new Field(field.name, state.type, field.nullable, field.metadata);
      children[c] = this.remap(field.name, state, data);
    });
    const schema = new Schema(newFields, batch.schema.metadata);
    return new RecordBatch(schema, makeData({ type: new Struct(newFields), length: batch.numRows, nullCount: 0, children }));
  }

  private remap(name: string, state: ColumnDictionary, data: Data): Data {
    const source = data.dictionary!;
    const { type } = state;
    // The first dictionary is the start of the column's dictionary, so its indices stay valid.
    if (source === state.first) {
      return make({ type, length: data.length, data: data.values, nullBitmap: data.nullBitmap, nullCount: data.nullCount, offset: data.offset, dictionary: state.dictionary });
    }
    // Where each value of this batch's dictionary sits in the column's dictionary (appending new ones).
    const map = new Int32Array(source.length);
    const added: number[] = [];
    for (let k = 0; k < source.length; k++) {
      const value: unknown = source.get(k);
      const at = state.positions?.get(value);
      if (at !== undefined) {
        map[k] = at;
        continue;
      }
      map[k] = state.dictionary.length + added.length;
      state.positions?.set(value, map[k]);
      added.push(k);
    }
    if (added.length > 0) {
      const limit = 2 ** (type.indices.bitWidth - (type.indices.isSigned ? 1 : 0));
      if (state.dictionary.length + added.length > limit) {
        throw new DataError(`${this.connector}: the dictionary of column ${JSON.stringify(name)} outgrows its ${String(type.indices)} indices across batches; write it with wider indices (int32) or as plain values`, {
          column: name,
          expected: `at most ${limit} distinct values`,
          received: `${state.dictionary.length + added.length}`,
        });
      }
      state.dictionary = state.dictionary.concat(takeValues(source, added));
    }
    const old = data.values as ArrayLike<number>;
    const Ctor = (data.values as unknown as { constructor: new (n: number) => ArrayLike<number> & { [i: number]: number } }).constructor;
    const indices = new Ctor(data.length);
    for (let i = 0; i < data.length; i++) indices[i] = map[Number(old[i])] ?? 0;
    return make({ type, length: data.length, data: indices, nullBitmap: data.nullBitmap, nullCount: data.nullCount, offset: data.offset, dictionary: state.dictionary });
  }
}

/** Same index type, value type and ordering (the dictionary id may differ: each reader numbers its own). */
function sameDictionaryType(a: Dictionary, b: Dictionary): boolean {
  return a.isOrdered === b.isOrdered && util.compareTypes(a.indices, b.indices) && util.compareTypes(a.dictionary, b.dictionary);
}

/** Value -> position for dictionaries whose values compare as JS values; undefined for other types. */
function positionsOf(dictionary: Vector): Map<unknown, number> | undefined {
  const type = dictionary.type as DataType;
  if (!(DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isInt(type) || DataType.isBool(type))) return undefined;
  const positions = new Map<unknown, number>();
  for (let k = 0; k < dictionary.length; k++) {
    const value: unknown = dictionary.get(k);
    if (!positions.has(value)) positions.set(value, k);
  }
  return positions;
}

/** The values at `rows` of a dictionary, exactly (buffer copy). */
function takeValues(dictionary: Vector, rows: readonly number[]): Vector {
  return makeVector(takeData(concatData(dictionary.data, 'dictionary'), rows, 'dictionary'));
}
