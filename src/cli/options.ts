import { Option, type Command } from 'commander';

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

/** Parses a comma-separated list option. */
export function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parses a positive integer option, with the option's name in the error. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} expects a positive integer, received "${value}"`);
    return n;
  };
}

/** Parses a number option. */
export function number(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`${name} expects a number, received "${value}"`);
    return n;
  };
}

/** `contamination=0.05`, `percentile=99`, `fixed=0.3`, `mad=3` -> a threshold rule object. */
export function thresholdRule(value: string): Record<string, unknown> {
  const m = /^(contamination|percentile|fixed|mad)[=:](-?[\d.eE+-]+)$/.exec(value.trim());
  if (!m) throw new Error(`--threshold expects method=value with method contamination|percentile|fixed|mad, received "${value}"`);
  const v = Number(m[2]);
  return m[1] === 'mad' ? { method: 'mad', k: v } : { method: m[1], value: v };
}
