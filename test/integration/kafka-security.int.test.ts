import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSecurityError } from '../../src/errors.js';
import type { MetricsSnapshot } from '../../src/monitor/metrics.js';
import { runMonitor } from '../../src/monitor/monitor.js';
import type { MonitorOptionsInput } from '../../src/monitor/options.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { definePipeline } from '../../src/pipeline/spec.js';
import { captureLogger } from '../helpers/logger.js';
import { answers, BROKER_PORT, brokerRunDir, brokerScript, useBroker } from './broker.js';
import { committedTotal, kafkaSuite, produce, readTopics, SENSOR_FEATURES, sensorMessages, sensorRecords, topicSize, uniqueName, waitFor } from './kafka-helpers.js';

// The shared broker with its SASL_SSL listener (scripts/kafka/broker.sh, LATENTFLOW_KAFKA_SASL_PORT):
// PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for user `latentflow`, a test CA made by openssl. Test code
// creates and reads topics over the PLAINTEXT port; everything under test goes through SASL_SSL.
const SASL_PORT = Number(process.env.LATENTFLOW_KAFKA_SASL_PORT ?? BROKER_PORT + 2);
const broker = await useBroker();
if (broker.ok && !(await answers(SASL_PORT))) {
  // Started without the listener (by the global setup or another file): restart it with the listener.
  await brokerScript('restart', BROKER_PORT, 600_000, { LATENTFLOW_KAFKA_SASL_PORT: String(SASL_PORT) });
}
const TLS = path.join(brokerRunDir(BROKER_PORT), 'tls');
const USER = process.env.LATENTFLOW_KAFKA_SASL_USER ?? 'latentflow';

describe.skipIf(!broker.ok)('Kafka over SASL_SSL on a real broker', () => {
  const plaintext = broker.ok ? broker.brokers : [];
  const secured = [`127.0.0.1:${SASL_PORT}`];
  const suite = kafkaSuite(plaintext, { prefix: 'security', model: 'pca' });
  const caFile = path.join(TLS, 'ca.pem');
  const passwordFile = path.join(TLS, 'sasl.password');
  let kafka: Kafka;
  let password: string;
  let running: AbortController[] = [];

  beforeAll(() => {
    kafka = suite.kafka;
    password = readFileSync(passwordFile, 'utf8').trim();
  });

  afterEach(() => {
    for (const r of running) r.abort();
    running = [];
  });

  /** Runs the monitor over SASL_SSL until `records` scored records are on the scored topic, then stops it. */
  async function monitorRun(security: Pick<MonitorOptionsInput, 'sasl' | 'tls'>, records: number) {
    const t = await suite.topicsFor(uniqueName('sec'), 2);
    await produce(kafka, t.input, sensorMessages(sensorRecords(records, 7, 0.02)));
    const groupId = uniqueName('group');
    const stop = new AbortController();
    running.push(stop);
    const logger = captureLogger();
    const started = performance.now();
    const done = runMonitor(
      { brokers: secured, topic: t.input, groupId, model: suite.modelDir, fromBeginning: true, metricsIntervalMs: 0, batchRows: 100, ...security },
      { signal: stop.signal, logger },
    );
    let isSettled = false;
    void done.finally(() => (isSettled = true)).catch(() => undefined);
    const outcome = Promise.race([
      done.then(() => 'ended' as const),
      // A fresh topic's metadata may lag on the test client (NOT_LEADER_FOR_PARTITION): poll again.
      waitFor(async () => isSettled || (await topicSize(kafka, t.scored).catch(() => 0)) >= records, 60_000).then(() => 'scored' as const),
    ]);
    const first = await outcome.catch((error: unknown) => error);
    stop.abort();
    const result: MetricsSnapshot | unknown = await done.catch((error: unknown) => error);
    return { t, groupId, logger, result, first, elapsedMs: performance.now() - started };
  }

  const cases = [
    ['plain', { passwordFile }],
    ['scram-sha-256', { passwordEnv: 'LF_TEST_KAFKA_PASSWORD' }],
    ['scram-sha-512', { passwordFile }],
  ] as const;

  for (const [mechanism, source] of cases) {
    it(`${mechanism}: the monitor consumes, scores, produces and commits every record over SASL_SSL`, async () => {
      process.env.LF_TEST_KAFKA_PASSWORD = password;
      const run = await monitorRun({ sasl: { mechanism, username: USER, ...source }, tls: { caFile } }, 300);
      expect(run.first).toBe('scored');
      expect(run.result).toMatchObject({ messagesIn: 300, scored: 300 });
      expect(await committedTotal(kafka, run.groupId, run.t.input)).toBe(300);
      expect(JSON.stringify(run.logger.records)).not.toContain(password);
    });
  }

  it('latentflow monitor with --kafka-* flags (password from LATENTFLOW_KAFKA_PASSWORD) scores and commits over SASL_SSL; the password is not in its output', async () => {
    const t = await suite.topicsFor(uniqueName('sec-cli'), 1);
    await produce(kafka, t.input, sensorMessages(sensorRecords(200, 9, 0.02)));
    const groupId = uniqueName('group');
    const root = path.resolve(import.meta.dirname, '../..');
    const args = ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), 'monitor', '--brokers', secured[0], '--topic', t.input, '--group', groupId, '-m', suite.modelDir, '--from-beginning'];
    args.push('--kafka-sasl-mechanism', 'scram-sha-256', '--kafka-username', USER, '--kafka-ca-file', caFile, '--log-level', 'debug');
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, LATENTFLOW_KAFKA_PASSWORD: password, LATENTFLOW_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      expect(await waitFor(async () => (await topicSize(kafka, t.scored).catch(() => 0)) >= 200, 90_000)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/monitor: 200 records in \d+ batches, 200 scored/);
    expect(await committedTotal(kafka, groupId, t.input)).toBe(200);
    expect(stderr).toContain('kafkajs'); // debug logs of the SASL connection were written, and scrubbed
    expect(`${stdout}${stderr}`).not.toContain(password);
  });

  it('mutual TLS (client certificate) with SCRAM-SHA-512 and an inline password: kafka-source -> score -> kafka-sink', async () => {
    const input = await suite.topic('sec-pipe-in', 2);
    const scored = await suite.topic('sec-pipe-out', 2);
    await produce(kafka, input, sensorMessages(sensorRecords(400, 8, 0.02)));
    const security = { sasl: { mechanism: 'scram-sha-512' as const, username: USER, password }, tls: { caFile, certFile: path.join(TLS, 'client.pem'), keyFile: path.join(TLS, 'client.key') } };
    const groupId = uniqueName('group');
    const logger = captureLogger();
    const spec = definePipeline({
      name: 'secured',
      source: { type: 'kafka-source', brokers: secured, topics: [input], groupId, features: SENSOR_FEATURES, fromBeginning: true, idleTimeoutMs: 2000, batchRows: 100, ...security },
      stages: [
        { type: 'score', model: suite.modelDir },
        { type: 'threshold', model: suite.modelDir },
      ],
      sink: { type: 'kafka-sink', brokers: secured, topic: scored, ...security },
    });
    expect(JSON.stringify(spec.source.params)).not.toContain(password);
    const summary = await runPipeline(spec, { logger });
    expect(summary.rows).toBe(400);
    expect(await readTopics(kafka, [scored], 400)).toHaveLength(400);
    expect(await committedTotal(kafka, groupId, input)).toBe(400);
    expect(JSON.stringify(logger.records)).not.toContain(password);
  });

  it('kafka-sink with a wrong password fails the pipeline with a KafkaSecurityError; the source commits none of what it read', async () => {
    const input = await suite.topic('sec-sink-in', 1);
    const scored = await suite.topic('sec-sink-out', 1);
    await produce(kafka, input, sensorMessages(sensorRecords(100, 10, 0)));
    const tls = { caFile };
    const groupId = uniqueName('group');
    const spec = definePipeline({
      name: 'secured-wrong-sink',
      source: { type: 'kafka-source', brokers: secured, topics: [input], groupId, features: SENSOR_FEATURES, fromBeginning: true, idleTimeoutMs: 2000, batchRows: 50, sasl: { mechanism: 'scram-sha-512', username: USER, passwordFile }, tls },
      stages: [{ type: 'score', model: suite.modelDir }],
      sink: { type: 'kafka-sink', brokers: secured, topic: scored, sasl: { mechanism: 'scram-sha-512', username: USER, password: 'not-the-password' }, tls },
    });
    const started = performance.now();
    const error = await runPipeline(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error).toMatchObject({ connector: 'kafka-sink', problem: 'authentication' });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(await topicSize(kafka, scored)).toBe(0);
    expect(await committedTotal(kafka, groupId, input)).toBe(0);
  });

  it('a wrong password fails fast with a KafkaSecurityError; nothing is produced or committed, and the password is in no log or message', async () => {
    const wrong = `${password}-wrong`;
    const run = await monitorRun({ sasl: { mechanism: 'scram-sha-256', username: USER, password: wrong }, tls: { caFile } }, 50);
    expect(run.result).toBeInstanceOf(KafkaSecurityError);
    expect(run.result).toMatchObject({ code: 'E_KAFKA_SECURITY', problem: 'authentication', retriable: false });
    expect(run.elapsedMs).toBeLessThan(10_000);
    const error = run.result as Error;
    expect(`${error.message} ${String((error.cause as Error | undefined)?.message)}`).not.toContain(wrong);
    expect(JSON.stringify(run.logger.records)).not.toContain(wrong);
    expect(await topicSize(kafka, run.t.scored)).toBe(0);
    expect(await committedTotal(kafka, run.groupId, run.t.input)).toBe(0);
  });

  it('a client certificate the broker does not trust fails fast with a KafkaSecurityError (tls), nothing committed', async () => {
    const other = path.join(suite.dir, 'stranger');
    execFileSync('bash', ['-c', `mkdir -p "${other}" && openssl req -x509 -newkey rsa:2048 -nodes -keyout "${other}/client.key" -out "${other}/client.pem" -days 1 -subj "/CN=stranger" 2>/dev/null`]);
    const run = await monitorRun({ sasl: { mechanism: 'plain', username: USER, passwordFile }, tls: { caFile, certFile: path.join(other, 'client.pem'), keyFile: path.join(other, 'client.key') } }, 50);
    expect(run.result).toBeInstanceOf(KafkaSecurityError);
    expect(run.result).toMatchObject({ problem: 'tls', retriable: false });
    expect((run.result as Error).message).toMatch(/refused the client certificate/);
    expect(run.elapsedMs).toBeLessThan(10_000);
    expect(await committedTotal(kafka, run.groupId, run.t.input)).toBe(0);
  });

  it('a broker certificate from an untrusted CA fails fast with a KafkaSecurityError (tls), nothing committed', async () => {
    const other = path.join(suite.dir, 'other-ca');
    execFileSync('bash', ['-c', `mkdir -p "${other}" && openssl req -x509 -newkey rsa:2048 -nodes -keyout "${other}/ca.key" -out "${other}/ca.pem" -days 1 -subj "/CN=not the broker's CA" 2>/dev/null`]);
    const run = await monitorRun({ sasl: { mechanism: 'plain', username: USER, passwordFile }, tls: { caFile: path.join(other, 'ca.pem') } }, 50);
    expect(run.result).toBeInstanceOf(KafkaSecurityError);
    expect(run.result).toMatchObject({ problem: 'tls', retriable: false });
    expect((run.result as Error).message).toMatch(/not signed by a trusted CA/);
    expect(run.elapsedMs).toBeLessThan(10_000);
    expect(await committedTotal(kafka, run.groupId, run.t.input)).toBe(0);
  });
});
