import { z } from 'zod';
import { ModelConfigError } from '../errors.js';

/**
 * Building blocks of a model's option schema: the one place an option is declared (validator, default,
 * description). The same schema validates the model's constructor argument, the stage's YAML params and
 * feeds `latentflow list` and CLI help, so every failure reads the same everywhere:
 * `<model>: <option> must be <what>, received <value>`.
 */

/** Bounds of a numeric option; each one given is checked. */
export interface NumberRange {
  isInteger?: boolean;
  min?: number;
  gt?: number;
  max?: number;
  lt?: number;
}

/** The range in words, as messages say it: "an integer >= 1", "a number in [0, 1)", "a number > 0". */
export function rangeText(r: NumberRange): string {
  if (r.isInteger && r.min === 1 && r.max === undefined && r.lt === undefined) return 'a positive integer';
  const noun = r.isInteger ? 'an integer' : 'a number';
  const lo = r.min !== undefined ? `[${r.min}` : r.gt !== undefined ? `(${r.gt}` : undefined;
  const hi = r.max !== undefined ? `${r.max}]` : r.lt !== undefined ? `${r.lt})` : undefined;
  if (lo !== undefined && hi !== undefined) return `${noun} in ${lo}, ${hi}`;
  if (r.min !== undefined) return `${noun} >= ${r.min}`;
  if (r.gt !== undefined) return `${noun} > ${r.gt}`;
  if (r.max !== undefined) return `${noun} <= ${r.max}`;
  if (r.lt !== undefined) return `${noun} < ${r.lt}`;
  return noun;
}

/** A received value as messages show it: numbers plainly, strings quoted, the rest as JSON. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number' || typeof value === 'bigint' || value === undefined) return String(value);
  return JSON.stringify(value);
}

/** The words `schema` (or the number it wraps as optional or nullable) uses for what it expects, for CLI flags. */
export function expectedOf(schema: z.ZodType): string {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  const expected = s.meta()?.expected;
  return typeof expected === 'string' ? expected : 'a valid value';
}

/** A zod issue as an error function sees it: the value and its full path. */
type RawIssue = { input?: unknown; path?: readonly PropertyKey[] };

/** The option an issue is about, as messages name it: its key, and the index of an array element (`hiddenUnits[1]`). */
function subject(path: readonly PropertyKey[] = []): string {
  const i = path.findLastIndex((key) => typeof key !== 'number');
  return i < 0 ? '' : `${String(path[i])}${path.slice(i + 1).map((index) => `[${String(index)}]`).join('')}`;
}

/**
 * Validators whose every failure names `model`, the option, what it must be and what was received:
 * `umap: nNeighbors must be an integer >= 2, received 1`.
 */
export function optionKit(model: string) {
  const message = (text: string): string => `${model}: ${text}`;
  const mustBe = (what: string) => ({
    error: (issue: RawIssue) => {
      const name = subject(issue.path);
      return message(`${name ? `${name} must be` : 'expected'} ${what}, received ${shown(issue.input)}`);
    },
  });
  return {
    /** `<model>: text`, for refinements that word their own message. */
    message,
    /** A finite number in `range`; `what` replaces the range in the message ("a penalty weight >= 0"). */
    number(range: NumberRange, what = rangeText(range)): z.ZodNumber {
      const e = mustBe(what);
      // Not a number at all (a string in YAML, NaN): say the type first, as every other zod type error does.
      let s = z.number({ error: (issue: RawIssue) => message(`expected number for ${subject(issue.path) || 'the value'} (${what}), received ${shown(issue.input)}`) });
      if (range.isInteger) s = s.int(e);
      if (range.min !== undefined) s = s.min(range.min, e);
      if (range.gt !== undefined) s = s.gt(range.gt, e);
      if (range.max !== undefined) s = s.max(range.max, e);
      if (range.lt !== undefined) s = s.lt(range.lt, e);
      // Kept in the schema's metadata (and so in `latentflow list --json`) for messages worded elsewhere.
      return s.meta({ expected: what });
    },
    oneOf<const T extends readonly [string, ...string[]]>(values: T) {
      return z.enum(values, mustBe(`one of ${values.join(', ')}`));
    },
    boolean: () => z.boolean(mustBe('true or false')),
    array<T extends z.ZodType>(item: T, what: string) {
      return z.array(item, mustBe(what));
    },
    tuple<const T extends readonly [z.ZodType, ...z.ZodType[]]>(items: T, what: string) {
      return z.tuple(items, mustBe(what));
    },
    /** Either of two validators, one message for a value neither takes. */
    either<A extends z.ZodType, B extends z.ZodType>(a: A, b: B, what: string) {
      return z.union([a, b], mustBe(what));
    },
    /** A block of options with no other keys; a typo is an "unknown option" listing the allowed ones. */
    object<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
      return z.strictObject(shape, {
        error: (issue) =>
          issue.code === 'unrecognized_keys' ? message(`unknown option; expected one of ${Object.keys(shape).join(', ')}`) : mustBe(what).error(issue),
      });
    },
    /** Alternatives told apart by `key`; an unknown key value lists the accepted ones. */
    variants<const O extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(key: string, options: O, values: readonly string[], what: string) {
      return z.discriminatedUnion(key, options, {
        error: (issue) =>
          issue.code === 'invalid_union'
            ? mustBe(values.map((v) => `"${v}"`).join(' or ')).error({ path: [...(issue.path ?? []), key], input: (issue.input as Record<string, unknown> | undefined)?.[key] })
            : mustBe(what).error(issue),
      });
    },
  };
}

/** An option with a constant default: resolution fills it in, `latentflow list` and `--help` show it. */
export function option<T extends z.ZodType>(schema: T, defaultValue: z.output<T>, description: string) {
  return schema.optional().meta({ description, default: defaultValue });
}

/** An option whose default depends on the data (or on other options); `description` says how. */
export function derivedOption<T extends z.ZodType>(schema: T, description: string) {
  return schema.optional().meta({ description });
}

/** A shape whose constant-default options parse to their defaults. */
export type Defaulted<S> = { [K in keyof S]: S[K] extends z.ZodOptional<infer T> ? z.ZodDefault<T> : S[K] };

/**
 * The options of `shape` with their declared defaults applied at parse time, for a stage whose code reads
 * every value; derived options stay optional. Same validators, descriptions and defaults.
 */
export function withDefaults<S extends Record<string, z.ZodType>>(shape: S): Defaulted<S> {
  const entries = Object.entries(shape).map(([key, schema]) => {
    const meta = schema.meta();
    if (!(schema instanceof z.ZodOptional) || meta?.default === undefined) return [key, schema];
    return [key, (schema.unwrap() as z.ZodType).default(meta.default as never).meta({ description: meta.description })];
  });
  return Object.fromEntries(entries) as Defaulted<S>;
}

/** The values of `params` (a stage's parsed params) for the options of `shape`: what the stage hands its model. */
export function pickOptions<P extends object, S extends object>(params: P, shape: S): Pick<P, keyof S & keyof P> {
  return Object.fromEntries(Object.keys(shape).map((key) => [key, (params as Record<string, unknown>)[key]])) as Pick<P, keyof S & keyof P>;
}

/**
 * A parsed option value with its defaults filled in: every field of an options object (each member of a
 * union of them) required and defined, one level deep, as a model's resolution returns it. Arrays, tuples
 * and scalars stay as they are.
 */
export type Filled<T> = T extends readonly unknown[] ? T : T extends object ? { -readonly [K in keyof T]-?: Exclude<T[K], undefined> } : T;

/** Every option of a parsed options object filled in (`Filled`) and required: the type of a resolved config. */
export type Resolved<T> = { -readonly [K in keyof T]-?: Filled<Exclude<T[K], undefined>> };

/** `a.b[2].c` for a zod issue path. */
export function optionPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}

/**
 * `config` validated by a model's option schema. The first problem is a `ModelConfigError` naming the
 * option (`config` for a value that is not an options object), with the schema's message.
 */
export function parseOptions<S extends z.ZodType>(schema: S, config: unknown): z.output<S> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  throw new ModelConfigError(optionPath(path) || 'config', issue.message, { cause: parsed.error });
}

/** The help line of a flag that sets one option: the option's description and its default. */
export function optionHelp(schema: z.ZodType): string {
  const meta = schema.meta() ?? {};
  const description = String(meta.description ?? '');
  // A null default ("derive it from the data") is explained by the description itself.
  return meta.default === undefined || meta.default === null ? description : `${description} (default ${JSON.stringify(meta.default)})`;
}
