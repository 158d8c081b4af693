import type { IHeaders } from 'kafkajs';
import { booleanText } from '../io/feature-encoder.js';
import type { ColumnKind } from '../models/feature-encoding.js';

/** One consumed Kafka record, with where it came from. */
export interface InputRecord {
  topic: string;
  partition: number;
  /** Offset as kafkajs gives it (a decimal string: offsets are int64). */
  offset: string;
  /** Record timestamp in ms since the epoch, as a decimal string (CreateTime or LogAppendTime). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/**
 * Why a record went to the dead-letter topic (header `latentflow.reason`). Stable codes:
 * - `empty-value`: no value (a tombstone) or zero bytes;
 * - `invalid-json`: the value is not JSON (not UTF-8 JSON text);
 * - `not-an-object`: JSON, but not an object (`[1,2]`, `42`, `"x"`);
 * - `missing-field`: a numeric, boolean or timestamp feature field is absent or null (a categorical null is
 *   a value of its own, as in files);
 * - `non-numeric`: a numeric feature field is not a finite JSON number (strings such as "1.5" included);
 * - `wrong-type`: a boolean, categorical or timestamp feature field holds a JSON value its kind cannot read
 *   (an object or array, text that is not true/false or not a time);
 * - `wrong-dimension`: the vector field does not hold exactly one number per feature;
 * - `score-failed`: the model gave no finite score for the row;
 * - `output-collision`: the record already has a field named like an output (`score`, `is_anomaly`, `z0`),
 *   which writing the output would replace; an output prefix renames the outputs.
 */
export type DeadLetterReason =
  | 'empty-value'
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-field'
  | 'non-numeric'
  | 'wrong-type'
  | 'wrong-dimension'
  | 'score-failed'
  | 'output-collision';

/** A record that cannot be scored, and why. */
export interface Rejected {
  /** Index of the record in the decoded list. */
  index: number;
  reason: DeadLetterReason;
  /** Human detail: which field, what was expected and received. */
  detail: string;
}

/**
 * Where each feature is in a record's JSON value: either one field per feature (`paths[c]`, a key path
 * such as ["sensors", "temp"] for `sensors.temp`, read as `kinds[c]`), or one array field holding every
 * feature in order (numbers only).
 */
export type FeatureMapping =
  | { kind: 'fields'; features: readonly string[]; paths: readonly (readonly string[])[]; kinds: readonly ColumnKind[] }
  | { kind: 'vector'; features: readonly string[]; path: readonly string[] };

/**
 * The mapping for `features`: each read from the top-level field of the same name unless `fields` gives a
 * dotted path for it (`{ temperature: "sensors.temp" }`), as the kind `kinds` gives it (numeric when it
 * names none); or all from the array at `vectorField` (numeric: a kind other than numeric is a RangeError,
 * which kafka-source's params rule out).
 */
export function featureMapping(
  features: readonly string[],
  fields: ReadonlyMap<string, string> = new Map(),
  vectorField?: string,
  kinds: ReadonlyMap<string, ColumnKind> = new Map(),
): FeatureMapping {
  if (vectorField !== undefined) {
    const typed = features.filter((f) => (kinds.get(f) ?? 'numeric') !== 'numeric');
    if (typed.length > 0) throw new RangeError(`featureMapping: a vector field holds numbers only; ${typed.join(', ')} are not numeric`);
    return { kind: 'vector', features, path: vectorField.split('.') };
  }
  return { kind: 'fields', features, paths: features.map((f) => (fields.get(f) ?? f).split('.')), kinds: features.map((f) => kinds.get(f) ?? 'numeric') };
}

/** Decoded feature values (row-major) of the records that can be scored, and the rejected ones. */
export interface DecodedRecords {
  /** Indices (ascending) of the accepted records in the input list. */
  accepted: number[];
  /**
   * Feature values of the accepted records, row-major, `accepted.length × features.length`: a numeric
   * feature's number, a boolean's 0/1, a timestamp's ms since the epoch (UTC); 0 for a categorical one.
   */
  values: Float64Array;
  /**
   * Per feature (same order), the text of each accepted record for a categorical feature (null for a JSON
   * null or an absent field); undefined for every other kind.
   */
  texts: ((string | null)[] | undefined)[];
  rejected: Rejected[];
  /**
   * With `reservedFields`: per accepted record (same order as `accepted`), 1 when its JSON object already
   * has one of those names as a top-level key (an output writer must then replace, not append, it).
   */
  taken?: Uint8Array;
}

/**
 * Parses each record's value as a JSON object and reads the features from it. Never throws for bad data:
 * every record is either accepted or rejected with a reason, so a poison record cannot stop a partition.
 * `reservedFields` (the names an output writer appends, e.g. score and is_anomaly) are looked up in each
 * parsed object while it is at hand, so the writer need not search the bytes for them (see `taken`).
 */
export function decodeRecords(records: readonly InputRecord[], mapping: FeatureMapping, reservedFields?: readonly string[]): DecodedRecords {
  const d = mapping.features.length;
  const accepted: number[] = [];
  const rejected: Rejected[] = [];
  const values = new Float64Array(records.length * d);
  const kinds = mapping.kind === 'fields' ? mapping.kinds : mapping.features.map(() => 'numeric' as const);
  const texts = kinds.map((k) => (k === 'categorical' ? ([] as (string | null)[]) : undefined));
  const hasTexts = kinds.includes('categorical');
  // A categorical value is decoded into `row` first: a later feature of the record may still reject it.
  const row: (string | null)[] = new Array(d).fill(null);
  const taken = reservedFields !== undefined ? new Uint8Array(records.length) : undefined;
  const reserved = reservedFields ?? [];
  // Field names for messages, joined once per batch rather than once per record and feature.
  const names = mapping.kind === 'fields' ? mapping.paths.map((p) => p.join('.')) : [mapping.path.join('.')];
  for (let i = 0; i < records.length; i++) {
    const parsed = decodeOne(records[i].value, mapping, names, values, accepted.length * d, row);
    if (parsed instanceof Problem) {
      rejected.push({ index: i, reason: parsed.reason, detail: parsed.detail });
      continue;
    }
    if (taken !== undefined) {
      for (const name of reserved) if (Object.hasOwn(parsed, name)) taken[accepted.length] = 1;
    }
    if (hasTexts) for (let c = 0; c < d; c++) texts[c]?.push(row[c]);
    accepted.push(i);
  }
  return { accepted, values: values.subarray(0, accepted.length * d), texts, rejected, ...(taken !== undefined ? { taken: taken.subarray(0, accepted.length) } : {}) };
}

/** Why a record is rejected (a class, so it cannot be mistaken for a parsed record's object). */
class Problem {
  constructor(
    readonly reason: DeadLetterReason,
    readonly detail: string,
  ) {}
}

/**
 * Writes the features of one value into `out` at `at` (categorical ones into `texts`) and returns the
 * parsed object, or why it cannot.
 */
function decodeOne(value: Buffer | null, mapping: FeatureMapping, names: readonly string[], out: Float64Array, at: number, texts: (string | null)[]): Problem | object {
  if (value === null || value.length === 0) return new Problem('empty-value', 'the record has no value (tombstone or empty)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return new Problem('invalid-json', `value is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return new Problem('not-an-object', `expected a JSON object, received ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);
  }
  if (mapping.kind === 'fields') {
    for (let c = 0; c < mapping.paths.length; c++) {
      const path = mapping.paths[c];
      const v = path.length === 1 ? (Object.hasOwn(parsed, path[0]) ? (parsed as Record<string, unknown>)[path[0]] : undefined) : lookup(parsed, path);
      const kind = mapping.kinds[c];
      if (kind === 'numeric') {
        if (typeof v === 'number' && Number.isFinite(v)) {
          out[at + c] = v;
          continue;
        }
        return checkNumber(v, names[c]) ?? new Problem('non-numeric', `field "${names[c]}" is not a finite number`);
      }
      const problem = decodeTyped(v, kind, names[c], out, at + c, texts, c);
      if (problem !== undefined) return problem;
    }
    return parsed;
  }
  const field = names[0];
  const array = lookup(parsed, mapping.path);
  if (array === undefined || array === null) return new Problem('missing-field', `field "${field}" is missing`);
  if (!Array.isArray(array)) return new Problem('non-numeric', `field "${field}" should be an array of ${mapping.features.length} numbers, received ${show(array)}`);
  if (array.length !== mapping.features.length) {
    return new Problem('wrong-dimension', `field "${field}" has ${array.length} values, the model expects ${mapping.features.length} (${mapping.features.join(', ')})`);
  }
  for (let c = 0; c < array.length; c++) {
    const problem = checkNumber(array[c], `${field}[${c}]`);
    if (problem !== undefined) return problem;
    out[at + c] = array[c] as number;
  }
  return parsed;
}

/**
 * Reads one boolean, categorical or timestamp field as the file connectors read such a column: a boolean
 * from JSON true/false, a number (non-zero is true) or the text true/false/1/0/yes/no; a category from text,
 * or a number or boolean as its text (integer status codes); a timestamp from ISO 8601 text or a number of
 * ms since the epoch. A categorical null or absent field is the null category. A null or absent boolean or
 * timestamp is a `missing-field` dead letter, as a numeric one is: a source cannot know the model's
 * missing-value policy, and a row a stage drops would leave the monitor's stream without an output or a
 * dead letter.
 */
function decodeTyped(v: unknown, kind: Exclude<ColumnKind, 'numeric'>, field: string, out: Float64Array, at: number, texts: (string | null)[], c: number): Problem | undefined {
  if (kind === 'categorical') {
    if (v === undefined || v === null) texts[c] = null;
    else if (typeof v === 'string') texts[c] = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') texts[c] = String(v);
    else return new Problem('wrong-type', `field "${field}" is categorical: expected text, a number or a boolean, received ${show(v)}`);
    return undefined;
  }
  if (v === undefined || v === null) return new Problem('missing-field', `field "${field}" is ${v === null ? 'null' : 'missing'}`);
  if (kind === 'boolean') {
    const bit = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' && Number.isFinite(v) ? (v !== 0 ? 1 : 0) : typeof v === 'string' ? booleanText(v) : undefined;
    if (bit === undefined) return new Problem('wrong-type', `field "${field}" is boolean: expected true/false (or 1/0, "yes"/"no"), received ${show(v)}`);
    out[at] = bit;
    return undefined;
  }
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) return new Problem('wrong-type', `field "${field}" is a timestamp: expected ISO 8601 text (2026-01-01T12:00:00Z) or ms since the epoch, received ${show(v)}`);
  out[at] = ms;
  return undefined;
}

/**
 * The value at `path` in parsed JSON, or undefined. Own keys only: a field named `constructor` or
 * `toString` that the record lacks is missing, not the inherited function (JSON.parse makes every key,
 * `__proto__` included, an own property).
 */
function lookup(obj: object, path: readonly string[]): unknown {
  let at: unknown = obj;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function checkNumber(v: unknown, field: string): Problem | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return undefined;
  if (v === undefined || v === null) return new Problem('missing-field', `field "${field}" is ${v === null ? 'null' : 'missing'}`);
  // JSON has no NaN/Infinity; a finite-looking literal too large for a double parses as Infinity.
  return new Problem('non-numeric', `field "${field}" should be a finite number, received ${show(v)}`);
}

function show(v: unknown): string {
  const text = typeof v === 'number' ? String(v) : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
