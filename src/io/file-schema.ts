import { Field, RecordBatch, Schema, Struct, makeData, util } from 'apache-arrow';
import { DataError } from '../errors.js';
import { META, sourceMetadata } from './batch-meta.js';
import { withMetadata } from './batch.js';

const SOURCE_KEYS = new Set<string>(Object.values(META));

/**
 * The schema a file sink writes for batches shaped like `schema`: every field nullable (batches disagree on
 * nullability, since a batch without nulls may mark its fields non-nullable, and the file schema is written
 * before later batches are seen) and the per-batch source metadata (`latentflow.*`) removed, since it
 * describes where one batch came from, not the file. Other schema metadata is kept.
 */
export function fileSchema(schema: Schema): Schema {
  const fields = schema.fields.map((f) => (f.nullable ? f : new Field(f.name, f.type, true, f.metadata)));
  const metadata = new Map([...schema.metadata].filter(([k]) => !SOURCE_KEYS.has(k) && !k.startsWith(META.modelVersion)));
  return new Schema(fields, metadata);
}

/** `batch` re-labelled with `schema` (same columns, in order), sharing all buffers. */
export function relabel(batch: RecordBatch, schema: Schema): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: [...batch.data.children] }));
}

/**
 * Remembers the columns of the first batch a sink gets and checks every later batch against them: same
 * names in the same order with the same types (nullability and metadata may differ). A difference is a
 * DataError naming the batch and the first differing column.
 */
export class SchemaGuard {
  private first: Schema | undefined;

  constructor(
    private readonly connector: string,
    private readonly file: string,
  ) {}

  /** The first batch's schema, once a batch has been seen. */
  get schema(): Schema | undefined {
    return this.first;
  }

  check(batch: RecordBatch, batchIndex: number): void {
    const schema = batch.schema;
    if (this.first === undefined) {
      this.first = schema;
      return;
    }
    const expected = this.first.fields;
    const actual = schema.fields;
    const where = { batch: batchIndex, file: this.file };
    const advice = 'every batch written to one file must have the columns and types of the first batch';
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      const e = expected[i] as Field | undefined;
      const a = actual[i] as Field | undefined;
      if (e !== undefined && a !== undefined && e.name === a.name) {
        if (!util.compareTypes(e.type, a.type)) {
          throw new DataError(`${this.connector}: column type changed between batches; ${advice}`, {
            ...where,
            column: e.name,
            expected: String(e.type),
            received: String(a.type),
          });
        }
        continue;
      }
      // Past the end of the later batch's columns, the expected one is missing even if its name occurs
      // earlier (a repeated name).
      const isMissing = e !== undefined && (a === undefined || !actual.some((f) => f.name === e.name));
      const column = isMissing ? e.name : a!.name;
      // A column the first batch did not have is new wherever it was inserted, not out of place.
      const isNew = !isMissing && !expected.some((f) => f.name === column);
      const what = isMissing ? 'is missing' : isNew ? 'is new' : 'is out of place';
      throw new DataError(`${this.connector}: column "${column}" ${what} compared with the first batch; ${advice}`, {
        ...where,
        column,
        expected: `columns [${expected.map((f) => f.name).join(', ')}]`,
        received: `columns [${actual.map((f) => f.name).join(', ')}]`,
      });
    }
  }
}

/**
 * `batch` with its own schema metadata plus the source metadata of a source (file, when it read one; first row). A
 * schema with two columns of the same name is a DataError naming it and both 1-based positions: every
 * stage finds columns by name, so the second would be silently ignored.
 */
export function located(batch: RecordBatch, file: string | undefined, firstRow: number): RecordBatch {
  const seen = new Map<string, number>();
  batch.schema.fields.forEach((f, i) => {
    const before = seen.get(f.name);
    if (before !== undefined) {
      throw new DataError(`duplicate column name ${JSON.stringify(f.name)} in the ${file === undefined ? 'table' : 'file'}'s schema at columns ${before + 1} and ${i + 1}; rename one of them`, {
        ...(file !== undefined ? { file } : {}),
        column: f.name,
        expected: 'unique column names',
        received: `columns [${batch.schema.fields.map((g) => g.name).join(', ')}]`,
      });
    }
    seen.set(f.name, i);
  });
  return withMetadata(batch, new Map([...batch.schema.metadata, ...sourceMetadata({ file, firstRow })]));
}
