import { z } from 'zod';

/**
 * Mappings keyed by names the user declares (column types by column name, JSON paths by feature name).
 * Any string is a valid column name, including the names of `Object.prototype` members: a plain object
 * loses `__proto__` (assigning it sets the prototype; zod's `record` drops the key) and answers
 * `obj.constructor` or `obj.toString` for names that were never declared. So such mappings are validated
 * by {@link nameRecord} and handed to stages as a `ReadonlyMap`; code never looks user names up in an
 * object.
 */
export type NameRecord<V> = ReadonlyMap<string, V>;

/** What a name record is given as: a mapping (YAML, JSON, a plain object) or, from code, a Map. */
export type NameRecordInput<V> = Readonly<Record<string, V>> | ReadonlyMap<string, V>;

/**
 * A zod schema for a mapping of user-declared names to `value`s: accepts a plain object (every own
 * enumerable key, `__proto__` included, as YAML and `JSON.parse` make them) or a Map, checks each value with
 * `value` (an issue's path starts with the name, so spec errors point at the key), and gives a
 * {@link NameRecord}. `latentflow list` shows it as the equivalent `z.record`.
 */
export function nameRecord<V extends z.ZodType>(value: V) {
  return z
    .custom<NameRecordInput<z.input<V>>>()
    .check((ctx) => {
      const input: unknown = ctx.value;
      if (!isMapping(input)) {
        ctx.issues.push({ code: 'invalid_type', expected: 'record', input, message: `expected a mapping of names to values, received ${describe(input)}` });
        return;
      }
      for (const [name, v] of entries(input)) {
        const parsed = value.safeParse(v);
        if (!parsed.success) for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, path: [name, ...issue.path], input: v } as never);
      }
    })
    .transform((input): NameRecord<z.output<V>> => new Map(entries(input).map(([name, v]) => [name, value.parse(v) as z.output<V>])))
    .meta(jsonSchemaOf(z.record(z.string(), value)));
}

function isMapping(input: unknown): input is NameRecordInput<unknown> {
  return input instanceof Map || (typeof input === 'object' && input !== null && !Array.isArray(input));
}

function entries(input: NameRecordInput<unknown>): [string, unknown][] {
  if (input instanceof Map) return [...(input as ReadonlyMap<string, unknown>).entries()];
  // Object.keys lists own keys only, so `__proto__` appears exactly when the mapping declared it.
  return Object.keys(input).map((name) => [name, (input as Readonly<Record<string, unknown>>)[name]]);
}

function describe(input: unknown): string {
  return Array.isArray(input) ? 'a list' : input === null ? 'null' : typeof input;
}

/** The JSON schema `latentflow list --json` prints for the record form, without its `$schema` line. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
