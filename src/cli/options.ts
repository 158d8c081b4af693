import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { expectedOf } from '../models/option-schema.js';
import { validateRule } from '../models/threshold.js';
import { conformalRuleParam } from '../stages/shared/params.js';

/** Options every command that runs a pipeline accepts. */
export interface GlobalOptions {
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  logLevel?: string;
  progress?: boolean;
  json?: boolean;
}

export function globalOptions(command: Command): Command {
  return command
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (default: auto = tensorflow, then wasm, then cpu)').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .addOption(new Option('--log-level <level>', 'JSON log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .option('--no-progress', 'never draw progress bars')
    .option('--json', 'print the run summary as JSON on stdout');
}

// Option parsers throw commander's InvalidArgumentError: commander then prints one line naming the option
// and the value, and the CLI exits 2 (an invalid command), never a stack trace.

/** Parses a comma-separated list option. */
export function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parses a positive integer option (1, 2, ...), with the option's name in the error. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = toNumber(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} expects a positive integer, received "${value}"`);
    return n;
  };
}

/** Parses an integer option >= 0 (0, 1, ...), with the option's name in the error. */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = toNumber(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} expects an integer >= 0, received "${value}"`);
    return n;
  };
}

/** Parses a finite number option. */
export function number(name: string) {
  return (value: string): number => {
    const n = toNumber(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a number, received "${value}"`);
    return n;
  };
}

/** Parses a number flag that sets one model option, by that option's own schema (its range is declared there). */
export function optionFlag(name: string, schema: z.ZodType) {
  return (value: string): number => {
    const n = toNumber(value);
    if (!schema.safeParse(n).success) throw new InvalidArgumentError(`${name} expects ${expectedOf(schema)}, received "${value}"`);
    return n;
  };
}

/** A comma-separated list of positive integers, e.g. `--hidden 64,32`. */
export function positiveIntList(name: string) {
  const one = positiveInt(name);
  return (value: string): number[] => {
    const items = list(value);
    if (items.length === 0) throw new InvalidArgumentError(`${name} expects comma-separated positive integers, received "${value}"`);
    return items.map(one);
  };
}

/**
 * `contamination=0.05`, `percentile=99`, `fixed=0.3`, `mad=3` -> a threshold rule object, checked against
 * the same ranges the threshold model enforces (so the CLI and YAML accept the same values).
 */
export function thresholdRule(value: string): Record<string, unknown> {
  return parseRule(value, false);
}

/**
 * `score --threshold`: the rules of {@link thresholdRule} plus `fpr=A` (flag when p_value <= A) and `fdr=Q`
 * (Benjamini-Hochberg per batch), judged against the model's calibration scores; ranges from the threshold
 * stage's own schema.
 */
export function scoreThresholdRule(value: string): Record<string, unknown> {
  return parseRule(value, true);
}

/** `monitor --p-value-rule`: `fpr=A` or `fdr=Q` only, checked by the monitor's own schema for it. */
export function pValueRule(value: string): Record<string, unknown> {
  const rule = conformalRule(value, '--p-value-rule');
  if (rule === undefined) throw new InvalidArgumentError(`--p-value-rule expects fpr=A or fdr=Q with a number in (0, 1), received "${value}"`);
  return rule;
}

/** `fpr=A` / `fdr=Q` as a rule object, undefined when `value` names neither; an out-of-range level is an error. */
function conformalRule(value: string, flag: string): Record<string, unknown> | undefined {
  const m = /^(fpr|fdr)[=:](.+)$/.exec(value.trim());
  if (m === null) return undefined;
  const key = m[1] === 'fpr' ? 'alpha' : 'q';
  const rule = { method: m[1], [key]: toNumber(m[2]) };
  if (!conformalRuleParam.safeParse(rule).success) throw new InvalidArgumentError(`${flag} ${m[1]} expects ${key} in (0, 1), received "${m[2]}"`);
  return rule;
}

function parseRule(value: string, isConformalAllowed: boolean): Record<string, unknown> {
  const conformal = isConformalAllowed ? conformalRule(value, '--threshold') : undefined;
  if (conformal !== undefined) return conformal;
  const m = /^(contamination|percentile|fixed|mad)[=:](.+)$/.exec(value.trim());
  const v = m ? toNumber(m[2]) : Number.NaN;
  if (!m || !Number.isFinite(v)) {
    throw new InvalidArgumentError(
      `--threshold expects method=value with method contamination|percentile|fixed|mad${isConformalAllowed ? '|fpr|fdr' : ''} and a number, received "${value}"`,
    );
  }
  const rule = m[1] === 'mad' ? { method: 'mad', k: v } : { method: m[1], value: v };
  try {
    validateRule(rule);
  } catch (error) {
    throw new InvalidArgumentError(`--threshold ${(error as Error).message}`);
  }
  return rule;
}

/** Number(value), except that blank text is NaN (Number('') is 0, which would pass for a value). */
function toNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** `default V` of each key of `schema` (an object schema), read from it so that --help never disagrees with it. */
export function schemaDefaults(schema: z.ZodType): (key: string) => string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { default?: unknown }> };
  return (key) => `default ${String(json.properties?.[key]?.default)}`;
}
