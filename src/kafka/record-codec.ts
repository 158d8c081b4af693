import type { IHeaders } from 'kafkajs';

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
 * - `missing-field`: a feature field is absent or null;
 * - `non-numeric`: a feature field is not a finite JSON number (strings such as "1.5" included);
 * - `wrong-dimension`: the vector field does not hold exactly one number per feature;
 * - `score-failed`: the model gave no finite score for the row.
 */
export type DeadLetterReason = 'empty-value' | 'invalid-json' | 'not-an-object' | 'missing-field' | 'non-numeric' | 'wrong-dimension' | 'score-failed';

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
 * such as ["sensors", "temp"] for `sensors.temp`), or one array field holding every feature in order.
 */
export type FeatureMapping =
  | { kind: 'fields'; features: readonly string[]; paths: readonly (readonly string[])[] }
  | { kind: 'vector'; features: readonly string[]; path: readonly string[] };

/**
 * The mapping for `features`: each read from the top-level field of the same name unless `fields` gives a
 * dotted path for it (`{ temperature: "sensors.temp" }`), or all from the array at `vectorField`.
 */
export function featureMapping(features: readonly string[], fields: Readonly<Record<string, string>> = {}, vectorField?: string): FeatureMapping {
  if (vectorField !== undefined) return { kind: 'vector', features, path: vectorField.split('.') };
  return { kind: 'fields', features, paths: features.map((f) => (fields[f] ?? f).split('.')) };
}

/** Decoded feature values (row-major) of the records that can be scored, and the rejected ones. */
export interface DecodedRecords {
  /** Indices (ascending) of the accepted records in the input list. */
  accepted: number[];
  /** Feature values of the accepted records, row-major, `accepted.length × features.length`. */
  values: Float64Array;
  rejected: Rejected[];
}

/**
 * Parses each record's value as a JSON object and reads the features from it. Never throws for bad data:
 * every record is either accepted or rejected with a reason, so a poison record cannot stop a partition.
 */
export function decodeRecords(records: readonly InputRecord[], mapping: FeatureMapping): DecodedRecords {
  const d = mapping.features.length;
  const accepted: number[] = [];
  const rejected: Rejected[] = [];
  const values = new Float64Array(records.length * d);
  for (let i = 0; i < records.length; i++) {
    const problem = decodeOne(records[i].value, mapping, values, accepted.length * d);
    if (problem === undefined) accepted.push(i);
    else rejected.push({ index: i, ...problem });
  }
  return { accepted, values: values.subarray(0, accepted.length * d), rejected };
}

type Problem = { reason: DeadLetterReason; detail: string };

/** Writes the features of one value into `out` at `at`, or returns why it cannot. */
function decodeOne(value: Buffer | null, mapping: FeatureMapping, out: Float64Array, at: number): Problem | undefined {
  if (value === null || value.length === 0) return { reason: 'empty-value', detail: 'the record has no value (tombstone or empty)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { reason: 'invalid-json', detail: `value is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { reason: 'not-an-object', detail: `expected a JSON object, received ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}` };
  }
  if (mapping.kind === 'fields') {
    for (let c = 0; c < mapping.paths.length; c++) {
      const v = lookup(parsed, mapping.paths[c]);
      const problem = checkNumber(v, mapping.paths[c].join('.'));
      if (problem !== undefined) return problem;
      out[at + c] = v as number;
    }
    return undefined;
  }
  const field = mapping.path.join('.');
  const array = lookup(parsed, mapping.path);
  if (array === undefined || array === null) return { reason: 'missing-field', detail: `field "${field}" is missing` };
  if (!Array.isArray(array)) return { reason: 'non-numeric', detail: `field "${field}" should be an array of ${mapping.features.length} numbers, received ${show(array)}` };
  if (array.length !== mapping.features.length) {
    return { reason: 'wrong-dimension', detail: `field "${field}" has ${array.length} values, the model expects ${mapping.features.length} (${mapping.features.join(', ')})` };
  }
  for (let c = 0; c < array.length; c++) {
    const problem = checkNumber(array[c], `${field}[${c}]`);
    if (problem !== undefined) return problem;
    out[at + c] = array[c] as number;
  }
  return undefined;
}

function lookup(obj: object, path: readonly string[]): unknown {
  let at: unknown = obj;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function checkNumber(v: unknown, field: string): Problem | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return undefined;
  if (v === undefined || v === null) return { reason: 'missing-field', detail: `field "${field}" is ${v === null ? 'null' : 'missing'}` };
  // JSON has no NaN/Infinity; a finite-looking literal too large for a double parses as Infinity.
  return { reason: 'non-numeric', detail: `field "${field}" should be a finite number, received ${show(v)}` };
}

function show(v: unknown): string {
  const text = typeof v === 'number' ? String(v) : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
