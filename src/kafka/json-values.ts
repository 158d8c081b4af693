import { DataType, type Field, type Vector } from 'apache-arrow';
import { cellFormatter } from '../io/csv-types.js';
import { isNumericTextField } from '../io/numeric-field.js';

/**
 * JSON text of Arrow values, for records written to Kafka from batches that did not come from Kafka. The
 * value text is the file sinks' text (`cellFormatter`, whose temporal and decimal rules are in
 * io/arrow-text.ts), placed as the JSON type it belongs to:
 * - integers (int64 and uint64 too), floats and decimals as JSON number tokens of their exact text: JSON
 *   numbers have arbitrary precision, so `12345678901234567891` stays that number; a reader that parses
 *   into doubles rounds it, one that keeps big integers (or the text) gets it exactly. NaN and ±Infinity,
 *   which JSON cannot hold, are null;
 * - timestamps (ISO 8601 with the unit's digits), dates (`YYYY-MM-DD`), strings and numeric text (the text
 *   as read, `00017` included: it is not a JSON number) as JSON strings;
 * - bools as true/false, nulls as null, dictionaries as their values;
 * - anything else (lists, structs, binary) through `JSON.stringify` of its JS value, 64-bit integers as
 *   strings.
 */
export function jsonFormatter(column: Vector, field: Field): (i: number) => string {
  const type = (DataType.isDictionary(field.type) ? field.type.dictionary : field.type) as DataType;
  if (isNumericTextField(field) || DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isTimestamp(type) || DataType.isDate(type)) {
    const text = cellFormatter(column);
    return (i) => {
      const t = text(i);
      return t === null ? 'null' : JSON.stringify(t);
    };
  }
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) || DataType.isBool(type)) {
    const text = cellFormatter(column);
    return (i) => {
      const t = text(i);
      return t === null || !isJsonLiteral(t) ? 'null' : t;
    };
  }
  return (i) => {
    const v: unknown = column.get(i);
    return v === null || v === undefined ? 'null' : JSON.stringify(v, bigintAsString) ?? 'null';
  };
}

/** The JSON text of a whole row: `{"name":value,...}` in schema order, from per-column {@link jsonFormatter}s. */
export function jsonRowFormatter(columns: readonly { name: string; vector: Vector; field: Field }[]): (i: number) => string {
  // Built as text, never as an object: a column may be named `__proto__`.
  const parts = columns.map((c, k) => ({ key: `${k > 0 ? ',' : ''}${JSON.stringify(c.name)}:`, value: jsonFormatter(c.vector, c.field) }));
  return (i) => {
    let out = '{';
    for (const p of parts) out += p.key + p.value(i);
    return `${out}}`;
  };
}

/** False for the number texts JSON has no token for (NaN, Infinity, -Infinity). */
function isJsonLiteral(text: string): boolean {
  return text !== 'NaN' && text !== 'Infinity' && text !== '-Infinity';
}

function bigintAsString(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}
