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
 * - `score-failed`: the model gave no finite score for the row;
 * - `output-collision`: the record already has a field named like an output (`score`, `is_anomaly`, `z0`),
 *   which writing the output would replace; an output prefix renames the outputs.
 */
export type DeadLetterReason = 'empty-value' | 'invalid-json' | 'not-an-object' | 'missing-field' | 'non-numeric' | 'wrong-dimension' | 'score-failed' | 'output-collision';

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
export function featureMapping(features: readonly string[], fields: ReadonlyMap<string, string> = new Map(), vectorField?: string): FeatureMapping {
  if (vectorField !== undefined) return { kind: 'vector', features, path: vectorField.split('.') };
  return { kind: 'fields', features, paths: features.map((f) => (fields.get(f) ?? f).split('.')) };
}

/** Decoded feature values (row-major) of the records that can be scored, and the rejected ones. */
export interface DecodedRecords {
  /** Indices (ascending) of the accepted records in the input list. */
  accepted: number[];
  /** Feature values of the accepted records, row-major, `accepted.length × features.length`. */
  values: Float64Array;
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
  const taken = reservedFields !== undefined ? new Uint8Array(records.length) : undefined;
  const reserved = reservedFields ?? [];
  // Field names for messages, joined once per batch rather than once per record and feature.
  const names = mapping.kind === 'fields' ? mapping.paths.map((p) => p.join('.')) : [mapping.path.join('.')];
  for (let i = 0; i < records.length; i++) {
    const parsed = decodeOne(records[i].value, mapping, names, values, accepted.length * d);
    if (parsed instanceof Problem) {
      rejected.push({ index: i, reason: parsed.reason, detail: parsed.detail });
      continue;
    }
    if (taken !== undefined) {
      for (const name of reserved) if (Object.hasOwn(parsed, name)) taken[accepted.length] = 1;
    }
    accepted.push(i);
  }
  return { accepted, values: values.subarray(0, accepted.length * d), rejected, ...(taken !== undefined ? { taken: taken.subarray(0, accepted.length) } : {}) };
}

/** Why a record is rejected (a class, so it cannot be mistaken for a parsed record's object). */
class Problem {
  constructor(
    readonly reason: DeadLetterReason,
    readonly detail: string,
  ) {}
}

/** Writes the features of one value into `out` at `at` and returns the parsed object, or why it cannot. */
function decodeOne(value: Buffer | null, mapping: FeatureMapping, names: readonly string[], out: Float64Array, at: number): Problem | object {
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
      if (typeof v === 'number' && Number.isFinite(v)) {
        out[at + c] = v;
        continue;
      }
      return checkNumber(v, names[c]) ?? new Problem('non-numeric', `field "${names[c]}" is not a finite number`);
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
