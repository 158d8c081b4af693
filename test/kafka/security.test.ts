import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectorError, kafkaClient, kafkaConnectionParams } from '../../src/kafka/client.js';
import { DEFAULT_PASSWORD_ENV, redact, resolveSecurity, type KafkaSecurity } from '../../src/kafka/security.js';
import { KafkaSecurityError } from '../../src/errors.js';
import { kafkaSource } from '../../src/connectors/kafka-source.js';
import { monitorOptionsSchema } from '../../src/monitor/options.js';
import { describeStages } from '../../src/cli/list.js';
import { captureLogger } from '../helpers/logger.js';

const PASSWORD = 'pw-Zq8#not-in-logs';
const connection = z.strictObject(kafkaConnectionParams);
const parse = (extra: object) => connection.parse({ brokers: ['127.0.0.1:1'], ...extra });
const dir = mkdtempSync(path.join(tmpdir(), 'lf-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('kafka security params', () => {
  it('tls: {} turns TLS on with certificate and host-name checks on', () => {
    const c = parse({ tls: {} });
    expect(c.tls).toEqual({ rejectUnauthorized: true, verifyHostname: true });
    const { ssl } = resolveSecurity(c, { connector: 'test' });
    expect(ssl?.rejectUnauthorized).toBe(true);
    expect(ssl?.checkServerIdentity).toBeUndefined(); // Node's own check runs
  });

  it('verifyHostname: false keeps the chain check and skips only the name check', () => {
    const { ssl } = resolveSecurity(parse({ tls: { verifyHostname: false } }), { connector: 'test' });
    expect(ssl?.rejectUnauthorized).toBe(true);
    expect(ssl?.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
  });

  it('rejects two sources for one secret and a certificate without its key', () => {
    const sasl = { mechanism: 'plain', username: 'u' };
    expect(() => parse({ sasl: { ...sasl, password: 'a', passwordEnv: 'B' } })).toThrow(/at most one of password, passwordEnv, passwordFile/);
    expect(() => parse({ tls: { ca: 'x', caFile: '/ca.pem' } })).toThrow(/ca or caFile/);
    expect(() => parse({ tls: { certFile: '/c.pem' } })).toThrow(/both a client certificate/);
    expect(() => parse({ sasl: { ...sasl, mechanism: 'gssapi' } })).toThrow();
  });

  it('every Kafka stage and the monitor take the same sasl and tls options', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'u', passwordEnv: 'P' };
    const source = kafkaSource.params.parse({ brokers: ['127.0.0.1:1'], topics: ['t'], groupId: 'g', features: ['a'], sasl, tls: {} }) as KafkaSecurity;
    const monitor = monitorOptionsSchema.parse({ brokers: ['127.0.0.1:1'], topic: 't', groupId: 'g', model: 'm', sasl, tls: {} });
    expect(source.sasl).toEqual(monitor.sasl);
    expect(source.tls).toEqual(monitor.tls);
    const listing = describeStages();
    for (const key of ['sasl:', 'mechanism:', 'passwordFile:', 'tls:', 'caFile:', 'keyFile:', 'verifyHostname:']) expect(listing).toContain(key);
  });
});

describe('resolveSecurity', () => {
  const sasl = (extra: object) => parse({ sasl: { mechanism: 'scram-sha-256', username: 'alice', ...extra } });

  it(`reads the password from passwordEnv, a file (trailing newline dropped) or ${DEFAULT_PASSWORD_ENV}`, () => {
    const file = path.join(dir, 'password');
    writeFileSync(file, `${PASSWORD}\n`);
    expect(resolveSecurity(sasl({ passwordEnv: 'MY_PW' }), { connector: 't', env: { MY_PW: PASSWORD } }).sasl).toEqual({ mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD });
    expect(resolveSecurity(sasl({ passwordFile: file }), { connector: 't', env: {} }).sasl).toMatchObject({ password: PASSWORD });
    // A relative file resolves against the pipeline file's folder (baseDir), as the file stages' paths do.
    expect(resolveSecurity(sasl({ passwordFile: 'password' }), { connector: 't', baseDir: dir }).sasl).toMatchObject({ password: PASSWORD });
    expect(resolveSecurity(sasl({}), { connector: 't', env: { [DEFAULT_PASSWORD_ENV]: PASSWORD } }).sasl).toMatchObject({ password: PASSWORD });
    expect(resolveSecurity(sasl({ password: PASSWORD }), { connector: 't', env: {} }).secrets).toEqual([PASSWORD]);
  });

  it('a missing variable or file is a KafkaSecurityError naming the option, not retried', () => {
    const error = thrown(() => resolveSecurity(sasl({ passwordEnv: 'NOT_SET' }), { connector: 'kafka-source', env: {} }));
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error).toMatchObject({ code: 'E_KAFKA_SECURITY', problem: 'secret', retriable: false, connector: 'kafka-source' });
    expect((error as Error).message).toMatch(/sasl\.passwordEnv: environment variable NOT_SET is not set/);
    expect(thrown(() => resolveSecurity(parse({ tls: { caFile: path.join(dir, 'none.pem') } }), { connector: 't' }))).toMatchObject({ problem: 'secret', path: path.join(dir, 'none.pem') });
  });

  it('PEM files are read at connect time; a file that is not PEM is refused', () => {
    const ca = path.join(dir, 'ca.pem');
    const notPem = path.join(dir, 'ca.der');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    writeFileSync(notPem, 'binary');
    expect(resolveSecurity(parse({ tls: { caFile: ca } }), { connector: 't' }).ssl?.ca).toContain('BEGIN CERTIFICATE');
    expect(() => resolveSecurity(parse({ tls: { caFile: notPem } }), { connector: 't' })).toThrow(/is not PEM/);
  });
});

describe('secrets stay out of logs and errors', () => {
  it('an inline password prints as [redacted] in JSON, inspect, strings and pino lines', () => {
    const c = parse({ sasl: { mechanism: 'plain', username: 'u', password: PASSWORD }, tls: { cert: '-----BEGIN CERTIFICATE-----', key: `-----BEGIN PRIVATE KEY-----\n${PASSWORD}` } });
    const lines: string[] = [];
    pino({}, { write: (line: string) => lines.push(line) }).info({ options: c }, 'connecting');
    for (const text of [JSON.stringify(c), inspect(c, { depth: 9 }), `${String(c.sasl?.password)}`, lines.join('')]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(c)).toContain('[redacted]');
  });

  it('kafkajs log lines are scrubbed of the connection secrets, message and fields', () => {
    const logger = captureLogger();
    const c = parse({ sasl: { mechanism: 'plain', username: 'u', password: PASSWORD } });
    const kafka = kafkaClient(c, logger);
    kafka.logger().error(`request with ${PASSWORD}`, { request: { password: PASSWORD, nested: [PASSWORD] } });
    kafka.logger().info('plain line', { broker: '127.0.0.1:1' });
    expect(logger.records).toHaveLength(2);
    expect(JSON.stringify(logger.records)).not.toContain(PASSWORD);
    expect(logger.records[0]).toMatchObject({ level: 'warn', msg: 'kafkajs: request with [redacted]', fields: { request: { password: '[redacted]' } } });
    expect(logger.records[1].fields).toMatchObject({ broker: '127.0.0.1:1' });
  });

  it('a SASL refusal, even wrapped by the retrier, becomes a non-retriable KafkaSecurityError', () => {
    const auth = Object.assign(new Error('SASL SCRAM SHA256 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256'), {
      name: 'KafkaJSSASLAuthenticationError',
      retriable: false,
    });
    const wrapped = Object.assign(new Error(auth.message), { name: 'KafkaJSNonRetriableError', retriable: false, cause: auth });
    const error = connectorError(wrapped, 'connecting the consumer', { connector: 'monitor', topic: 't' });
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error).toMatchObject({ code: 'E_KAFKA_SECURITY', problem: 'authentication', retriable: false, topic: 't' });
    expect(error.message).toMatch(/^monitor: connecting the consumer failed: SASL SCRAM.*check sasl.mechanism, username and password/);
    expect(error.cause).toBe(wrapped);
  });

  it('redact replaces every occurrence and leaves other text alone', () => {
    expect(redact(`a ${PASSWORD} b ${PASSWORD}`, [PASSWORD, ''])).toBe('a [redacted] b [redacted]');
    expect(redact('nothing here', [PASSWORD])).toBe('nothing here');
  });
});
