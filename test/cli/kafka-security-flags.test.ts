import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { flagEnv } from '../../src/cli/kafka-security-flags.js';
import { monitorInput, registerMonitor } from '../../src/cli/monitor.js';
import { SpecError } from '../../src/errors.js';
import { monitorOptionsSchema, type MonitorOptionsInput } from '../../src/monitor/options.js';

/** Parses `latentflow monitor <args>` with the real command definition; returns what the action would run. */
function parseMonitor(args: string[], env: Record<string, string> = {}): { input?: MonitorOptionsInput; error?: unknown; help: string } {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const program = new Command().exitOverride();
    registerMonitor(program);
    const monitor = program.commands.find((c) => c.name() === 'monitor')!;
    const result: { input?: MonitorOptionsInput; error?: unknown; help: string } = { help: monitor.helpInformation() };
    monitor.action((options: Parameters<typeof monitorInput>[0]) => {
      try {
        result.input = monitorInput(options);
      } catch (error) {
        result.error = error;
      }
    });
    program.parse(['monitor', '--brokers', '127.0.0.1:1', '--topic', 't', '--group', 'g', '-m', 'model', ...args], { from: 'user' });
    return result;
  } finally {
    for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  }
}

describe('latentflow monitor --kafka-* flags', () => {
  it('SASL and mTLS flags become the sasl and tls options the monitor validates', () => {
    const { input } = parseMonitor([
      '--kafka-sasl-mechanism', 'scram-sha-512',
      '--kafka-username', 'alice',
      '--kafka-password-file', '/run/secrets/kafka',
      '--kafka-ca-file', '/etc/kafka/ca.pem',
      '--kafka-cert-file', '/etc/kafka/client.pem',
      '--kafka-key-file', '/etc/kafka/client.key',
      '--kafka-no-verify-hostname',
    ]);
    const options = monitorOptionsSchema.parse(input);
    expect(options.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', passwordFile: '/run/secrets/kafka' });
    expect(options.tls).toEqual({ caFile: '/etc/kafka/ca.pem', certFile: '/etc/kafka/client.pem', keyFile: '/etc/kafka/client.key', verifyHostname: false, rejectUnauthorized: true });
  });

  it('--kafka-tls alone turns TLS on with verification; no flag leaves both off', () => {
    expect(monitorOptionsSchema.parse(parseMonitor(['--kafka-tls']).input).tls).toEqual({ rejectUnauthorized: true, verifyHostname: true });
    const plain = monitorOptionsSchema.parse(parseMonitor([]).input);
    expect(plain.sasl).toBeUndefined();
    expect(plain.tls).toBeUndefined();
  });

  it('every flag also reads its LATENTFLOW_KAFKA_* environment variable', () => {
    expect(flagEnv('--kafka-ca-file <path>')).toBe('LATENTFLOW_KAFKA_CA_FILE');
    const { input } = parseMonitor([], { LATENTFLOW_KAFKA_SASL_MECHANISM: 'plain', LATENTFLOW_KAFKA_USERNAME: 'bob', LATENTFLOW_KAFKA_TLS: '1' });
    const options = monitorOptionsSchema.parse(input);
    expect(options.sasl).toEqual({ mechanism: 'plain', username: 'bob' });
    expect(options.tls).toMatchObject({ verifyHostname: true });
  });

  it('a bad combination is a SpecError naming the flag to fix', () => {
    const missing = parseMonitor(['--kafka-username', 'alice']).error;
    expect(missing).toBeInstanceOf(SpecError);
    expect((missing as Error).message).toMatch(/: --kafka-sasl-mechanism: Invalid option/);
    const twoSources = parseMonitor(['--kafka-sasl-mechanism', 'plain', '--kafka-username', 'a', '--kafka-password-env', 'P', '--kafka-password-file', '/p']).error;
    expect((twoSources as Error).message).toMatch(/--kafka-password-env.*: set at most one of password, passwordEnv, passwordFile/);
    expect(() => parseMonitor(['--kafka-sasl-mechanism', 'gssapi'])).toThrow(/Allowed choices are plain, scram-sha-256, scram-sha-512/);
  });

  it('--help lists the flags with the schema descriptions and no flag takes a password itself', () => {
    const help = parseMonitor([]).help.replace(/\s+/g, ' ');
    expect(help).toContain('--kafka-password-file <path>');
    expect(help).toContain('File holding the password, read at connect time');
    expect(help).toContain('--kafka-no-verify-hostname');
    expect(help).not.toMatch(/--kafka-password </);
  });
});
