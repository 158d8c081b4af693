import { createRequire } from 'node:module';
import type { Kafka, KafkaConfig, LogEntry } from 'kafkajs';
import { z } from 'zod';
import { ConnectorError, KafkaSecurityError, type ConnectorLocation } from '../errors.js';
import type { Logger } from '../runtime/logger.js';
import { kafkaSecurityParams, redact, resolveSecurity, type KafkaSecurity, type SecurityScope } from './security.js';

/**
 * Connection params shared by every Kafka stage and the monitor, so the same option has the same name,
 * default and description everywhere (and in `latentflow list`).
 */
export const kafkaConnectionParams = {
  brokers: z
    .array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'))
    .min(1)
    .describe('Bootstrap brokers as host:port, e.g. ["127.0.0.1:9092"] (use 127.0.0.1, not localhost: Node may try ::1 first)'),
  clientId: z.string().min(1).default('latentflow').describe('Client id sent to the brokers (shows in broker logs and quotas)'),
  connectionTimeoutMs: z.number().int().positive().default(3000).describe('Time to open a broker connection (ms)'),
  requestTimeoutMs: z.number().int().positive().default(30_000).describe('Time to wait for a broker response (ms)'),
  ...kafkaSecurityParams,
};

/** Validated connection params. */
export interface KafkaConnection extends KafkaSecurity {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * How long kafkajs keeps retrying a failing request (broker restart, leader moving, coordinator loading):
 * 300 ms doubling to 30 s, 12 times, about three minutes in all. Its default gives up after about 9 s,
 * which turns every broker restart into a crash.
 */
export const RETRY = { initialRetryTime: 300, maxRetryTime: 30_000, retries: 12, factor: 0.2, multiplier: 2 } as const;

/** Retries for a start-up check: about 8 s, so a wrong address or a broker that is down fails fast. */
export const STARTUP_RETRY = { initialRetryTime: 300, maxRetryTime: 3000, retries: 4, factor: 0.2, multiplier: 2 } as const;

/**
 * A kafkajs client whose logs go to `logger` (kafkajs errors become warnings: it retries most of them),
 * scrubbed of the connection's secrets. `retry` defaults to {@link RETRY}; it also governs connecting,
 * whatever a producer or admin asks for. SASL and TLS secrets are read now (see {@link resolveSecurity});
 * one that cannot be read throws a KafkaSecurityError naming `scope.connector` (default `kafka`).
 */
// kafkajs loads on first use (a fifth of a second that every command paid at start, Kafka or not).
const require = createRequire(import.meta.url);
const kafkajs = () => require('kafkajs') as typeof import('kafkajs');

export function kafkaClient(c: KafkaConnection, logger: Logger, retry: typeof RETRY | typeof STARTUP_RETRY = RETRY, scope: SecurityScope = { connector: 'kafka' }): Kafka {
  const { sasl, ssl, secrets } = resolveSecurity(c, scope);
  const { Kafka, logLevel } = kafkajs();
  const config: KafkaConfig = {
    brokers: c.brokers,
    ...(sasl ? { sasl } : {}),
    ...(ssl ? { ssl } : {}),
    clientId: c.clientId,
    connectionTimeout: c.connectionTimeoutMs,
    requestTimeout: c.requestTimeoutMs,
    retry: { ...retry },
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => forward(logger, entry, secrets),
  };
  return new Kafka(config);
}

function forward(logger: Logger, { namespace, level, log }: LogEntry, secrets: readonly string[]): void {
  const { message: raw, timestamp: _ts, logger: _name, ...rest } = log as LogEntry['log'] & { logger?: string };
  // kafkajs logs request details and error stacks at debug; none should carry a password, but a log line
  // is the last place one may leak, so every field is scrubbed of the connection's secrets.
  const message = redact(raw, secrets);
  const text = secrets.length > 0 ? JSON.stringify(rest) : undefined;
  const extra = text !== undefined && redact(text, secrets) !== text ? (JSON.parse(redact(text, secrets)) as Record<string, unknown>) : rest;
  const fields = { kafkajs: namespace, ...extra };
  // kafkajs logs at ERROR what it is about to retry (a broker restarting, a group rebalancing); the
  // monitor logs what really failed. So its errors and warnings are warnings, its info is debug.
  const { logLevel } = kafkajs();
  if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(fields, `kafkajs: ${message}`);
  else logger.debug(fields, `kafkajs: ${message}`);
}

/** The kafkajs error fields this module reads. */
interface KafkaJsErrorLike {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
}

/**
 * Wraps a kafkajs (or network) error into a ConnectorError that says what failed, where, whether retrying
 * may help, and what to change. `doing` is a short phrase: "connecting the consumer", "producing to x".
 */
export function connectorError(error: unknown, doing: string, where: ConnectorLocation): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as KafkaJsErrorLike;
  const root = rootCause(e);
  const message = String(e.message ?? error);
  if (inChain(e, (x) => x.name === 'KafkaJSSASLAuthenticationError')) {
    // Not retried: the same credentials get the same answer, and repeating them may lock the account.
    return new KafkaSecurityError(`${doing} failed: ${message}; check sasl.mechanism, username and password (the broker refused them)`, where, 'authentication', { cause: error });
  }
  let advice = '';
  if (/ECONNREFUSED|KafkaJSConnectionError|Connection timeout/i.test(`${root.message} ${root.name} ${message}`)) {
    advice = '; is the broker running and reachable at the bootstrap address? (for a local one: bash scripts/kafka/broker.sh start)';
  } else if (root.type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition|topic.*not.*exist/i.test(message)) {
    advice = '; create the topic first (auto-creation is off on well-configured brokers)';
  } else if (root.type === 'TOPIC_AUTHORIZATION_FAILED' || root.type === 'GROUP_AUTHORIZATION_FAILED') {
    advice = '; grant this client access to the topic and consumer group';
  }
  const retriable = e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded' || root.retriable === true;
  return new ConnectorError(`${doing} failed: ${message}${advice}`, { ...where, retriable }, { cause: error });
}

function inChain(e: KafkaJsErrorLike, test: (x: KafkaJsErrorLike) => boolean): boolean {
  let at: KafkaJsErrorLike | undefined = e;
  for (let i = 0; i < 10 && at; i++) {
    if (test(at)) return true;
    at = at.cause && typeof at.cause === 'object' ? (at.cause as KafkaJsErrorLike) : undefined;
  }
  return false;
}

function rootCause(e: KafkaJsErrorLike): KafkaJsErrorLike {
  let at = e;
  for (let i = 0; i < 10 && at.cause && typeof at.cause === 'object'; i++) at = at.cause as KafkaJsErrorLike;
  return at;
}

/** True for the kafkajs errors that mean "the group is rebalancing: re-join" (kafkajs' own isRebalancing). */
export function isRebalancing(error: unknown): boolean {
  const type = (error as KafkaJsErrorLike | undefined)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}
