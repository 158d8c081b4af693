import { pino } from 'pino';

/** The logging surface stages use; pino-compatible, so any pino logger can be passed in. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error, silent. Default `info`, or `LATENTFLOW_LOG_LEVEL`. */
  level?: string;
  /** File descriptor to write JSON lines to. Default 2 (stderr), so stdout stays free for data and summaries. */
  fd?: number;
}

/** One JSON object per line on stderr: machine-readable logs that never mix with data on stdout. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LATENTFLOW_LOG_LEVEL ?? 'info';
  return pino({ level, base: { app: 'latentflow' } }, pino.destination({ fd: options.fd ?? 2, sync: true }));
}

/** A logger that drops everything; the default for library calls that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
