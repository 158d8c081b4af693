/**
 * Every error latentflow throws on purpose is a `LatentflowError` with a stable `code`, so callers and the
 * CLI can branch on the code instead of parsing messages. Subclasses carry the fields needed to find the
 * problem (file position, row/column, topic/offset). Messages say what was expected, what was received
 * and what to change.
 */
export class LatentflowError extends Error {
  /** Stable machine-readable identifier, e.g. `E_SPEC`, `E_DATA`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A short printable form of a (JSON) value for messages: `missing` for undefined, at most 60 characters. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Where in a YAML pipeline file a problem sits; `path` is the key path, e.g. `stages[1].params.epochs`. */
export interface SpecLocation {
  file: string;
  line: number;
  column: number;
  path: string;
}

/** A pipeline definition or CLI option that does not validate. */
export class SpecError extends LatentflowError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;

  constructor(message: string, location: SpecLocation, options?: { cause?: unknown }) {
    const where = `${location.file}:${location.line}:${location.column}`;
    const at = location.path ? ` (at ${location.path})` : '';
    super('E_SPEC', `${where}: ${message}${at}`, options);
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.path = location.path;
  }
}

/** Fields that locate a bad value in the data. Line numbers are 1-based file lines; rows are 0-based. */
export interface DataLocation {
  /** 0-based index of the record batch in the stream, when known. */
  batch?: number;
  /** 0-based row offset inside the batch, when known. */
  row?: number;
  /** 1-based line in a text file (CSV), when known. */
  line?: number;
  /** Column name. */
  column?: string;
  /** What the stage expected, e.g. `finite number`. */
  expected?: string;
  /** What it got, printed, e.g. `"abc"`. */
  received?: string;
  /** Source file, when the data came from one. */
  file?: string;
}

/** Input data that cannot be used as asked: a missing column, a non-numeric cell, a malformed CSV line. */
export class DataError extends LatentflowError {
  readonly batch?: number;
  readonly row?: number;
  readonly line?: number;
  readonly column?: string;
  readonly expected?: string;
  readonly received?: string;
  readonly file?: string;

  constructor(message: string, location: DataLocation = {}, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'E_DATA', withLocation(message, location), options);
    Object.assign(this, location);
  }
}

function withLocation(message: string, loc: DataLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(`file ${loc.file}`);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.batch !== undefined) parts.push(`batch ${loc.batch}`);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined) parts.push(`column "${loc.column}"`);
  const where = parts.length > 0 ? `${parts.join(', ')}: ` : '';
  const detail =
    loc.expected !== undefined || loc.received !== undefined
      ? ` (expected ${loc.expected ?? '?'}, received ${loc.received ?? '?'})`
      : '';
  return `${where}${message}${detail}`;
}

/** Fields that locate a connector failure. */
export interface ConnectorLocation {
  connector: string;
  topic?: string;
  partition?: number;
  offset?: string;
  path?: string;
  /** True when the same call may succeed if retried (broker restart, network blip). */
  retriable?: boolean;
}

/** A source or sink could not read or write: file system, broker, codec. */
export class ConnectorError extends LatentflowError {
  readonly connector: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly path?: string;
  readonly retriable: boolean;

  constructor(message: string, location: ConnectorLocation, options?: { cause?: unknown }, code = 'E_CONNECTOR') {
    super(code, `${location.connector}: ${message}`, options);
    this.connector = location.connector;
    this.topic = location.topic;
    this.partition = location.partition;
    this.offset = location.offset;
    this.path = location.path;
    this.retriable = location.retriable ?? false;
  }
}

/** What a {@link KafkaSecurityError} is about. */
export type KafkaSecurityProblem = 'authentication' | 'tls' | 'secret';

/**
 * A Kafka connection refused for security reasons, never retried: the broker rejected the SASL credentials
 * (`authentication`), the TLS handshake failed (`tls`: untrusted CA, wrong host name, not a TLS listener)
 * or a secret could not be read (`secret`: a missing environment variable or file). Code `E_KAFKA_SECURITY`;
 * messages never contain the secret itself.
 */
export class KafkaSecurityError extends ConnectorError {
  readonly problem: KafkaSecurityProblem;

  constructor(message: string, location: ConnectorLocation, problem: KafkaSecurityProblem, options?: { cause?: unknown }) {
    super(message, { ...location, retriable: false }, options, 'E_KAFKA_SECURITY');
    this.problem = problem;
  }
}

/** A model used out of order (scoring before fit, a second concurrent fit) or with an incompatible input. */
export class ModelStateError extends LatentflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_MODEL_STATE', message, options);
  }
}

/** A model option that is out of range or contradicts another option; names the option. */
export class ModelConfigError extends LatentflowError {
  readonly option: string;

  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super('E_MODEL_CONFIG', `${option}: ${message}`, options);
    this.option = option;
  }
}

/** A saved model directory that cannot be read, or whose schema does not match the input. */
export class ArtifactError extends LatentflowError {
  readonly dir: string;

  constructor(dir: string, message: string, options?: { cause?: unknown }) {
    super('E_ARTIFACT', `${dir}: ${message}`, options);
    this.dir = dir;
  }
}

/**
 * A path the run was asked to write (an output file, a model directory) that would destroy or alter data it
 * does not own: the input itself, a folder holding the input or the pipeline file, or something at a model
 * path that latentflow did not write. Raised before anything is read or written; nothing is touched.
 */
export class PathError extends LatentflowError {
  /** The path that was refused (absolute). */
  readonly path: string;
  /** The other path it conflicts with (the input, the pipeline file, the model directory), when there is one. */
  readonly conflictsWith?: string;

  constructor(path: string, message: string, options?: { cause?: unknown; conflictsWith?: string }) {
    super('E_PATH', `${path}: ${message}`, options);
    this.path = path;
    this.conflictsWith = options?.conflictsWith;
  }
}
