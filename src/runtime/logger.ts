import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { LatentflowError } from '../errors.js';
import { humanLine } from './log-line.js';

/** The logging surface stages use; pino-compatible, so any pino logger can be passed in. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** `json`: one JSON object per line, for machines. `human`: one readable line per event, for a terminal. */
export type LogFormat = 'json' | 'human';

/** Environment variable that forces a log format, e.g. `LATENTFLOW_LOG_FORMAT=json` on a terminal. */
export const LOG_FORMAT_ENV = 'LATENTFLOW_LOG_FORMAT';

/** Where log lines go: a text sink such as the progress display, which keeps its bars below them. */
export interface LogOutput {
  write(text: string): void;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error, silent. Default `info`, or `LATENTFLOW_LOG_LEVEL`. */
  level?: string;
  /** File descriptor to write to when `output` is not given. Default 2 (stderr), so stdout stays free for data. */
  fd?: number;
  /** Default: `$LATENTFLOW_LOG_FORMAT`, else `human` when stderr is a terminal outside CI, else `json`. */
  format?: LogFormat;
  /** Receives the formatted lines instead of `fd`. */
  output?: LogOutput;
}

/** The format a logger on stderr takes when none is asked for; an invalid variable is an error, not a guess. */
export function defaultLogFormat(): LogFormat {
  const fromEnv = process.env[LOG_FORMAT_ENV]?.trim();
  if (fromEnv === 'json' || fromEnv === 'human') return fromEnv;
  if (fromEnv !== undefined && fromEnv !== '') {
    throw new LatentflowError('E_LOG_FORMAT', `${LOG_FORMAT_ENV}: expected json or human, received "${fromEnv}"; fix or unset the variable`);
  }
  return process.stderr.isTTY && !process.env.CI ? 'human' : 'json';
}

/** A pino logger: JSON lines for machines, or one readable line per event on a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LATENTFLOW_LOG_LEVEL ?? 'info';
  const format = options.format ?? defaultLogFormat();
  const pinoOptions = { level, base: { app: 'latentflow' } };
  if (format === 'json') return pino(pinoOptions, options.output ?? fdDestination(options.fd));
  const withStack = level === 'debug' || level === 'trace';
  const prettify = prettyFactory({
    colorize: !('NO_COLOR' in process.env),
    translateTime: 'SYS:HH:MM:ss',
    hideObject: true,
    messageFormat: (event) => humanLine(event, withStack),
  });
  // prettyFactory formats synchronously, so a line is on screen before the call that logged it returns,
  // in order with the progress bars drawn through the same output.
  const output = options.output ?? fdDestination(options.fd);
  return pino(pinoOptions, { write: (json: string) => output.write(prettify(json)) });
}

function fdDestination(fd = 2): LogOutput {
  return pino.destination({ fd, sync: true });
}

/** A logger that drops everything; the default for library calls that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
