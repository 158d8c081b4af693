import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/**
 * The real Kafka broker for integration tests, managed through the project's own script
 * (scripts/kafka/broker.sh: Apache Kafka from Maven Central, KRaft, 127.0.0.1). A test file calls
 * `await useBroker()` at module level and wraps its suite in `describe.skipIf(!broker.ok)`.
 *
 * When nothing answers on the port, the script starts a broker (fetching the jars on a fresh machine) and
 * leaves it running for the other test files (stop it with `bash scripts/kafka/broker.sh stop`). In CI
 * (`CI=true`) a broker that cannot be started fails the suite; locally the suite is skipped and the reason
 * printed.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/kafka/broker.sh');

/** The shared broker's port: `LATENTFLOW_KAFKA_PORT`, default 9092. */
export const BROKER_PORT = Number(process.env.LATENTFLOW_KAFKA_PORT ?? 9092);

export type BrokerState = { ok: true; brokers: string[]; port: number } | { ok: false; reason: string };

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function answers(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The script's folder for the broker on `port` (config, data, log; `tls/` with the SASL_SSL listener). */
export function brokerRunDir(port = BROKER_PORT): string {
  return path.join(process.env.LATENTFLOW_KAFKA_DIR ?? path.join(ROOT, '.cache/kafka'), `broker-${port}`);
}

/**
 * Runs `broker.sh <command>` for `port`; resolves with its output, rejects with it on failure. `env` adds
 * script variables, e.g. LATENTFLOW_KAFKA_SASL_PORT, which is otherwise not passed on from this process:
 * two brokers (the shared one, the restart test's) must not both open the same SASL port.
 */
export function brokerScript(
  command: 'start' | 'stop' | 'restart' | 'kill' | 'status' | 'reset',
  port = BROKER_PORT,
  timeoutMs = 600_000,
  env: Record<string, string> = {},
): Promise<string> {
  const { LATENTFLOW_KAFKA_SASL_PORT: _sasl, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SCRIPT, command],
      { cwd: ROOT, env: { ...inherited, ...env, LATENTFLOW_KAFKA_PORT: String(port) }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error) reject(new Error(`scripts/kafka/broker.sh ${command} (port ${port}) failed: ${error.message}\n${output.split('\n').slice(-30).join('\n')}`));
        else resolve(output);
      },
    );
  });
}

const started = new Map<number, Promise<BrokerState>>();

/**
 * A broker on 127.0.0.1:`port`, started through the project script when none answers. In CI a failure
 * throws (the test file fails); locally it returns `{ ok: false, reason }` and prints the reason.
 */
export function useBroker(port = BROKER_PORT): Promise<BrokerState> {
  let state = started.get(port);
  if (state === undefined) {
    state = (async (): Promise<BrokerState> => {
      if (await answers(port)) return { ok: true, brokers: [`127.0.0.1:${port}`], port };
      try {
        await brokerScript('start', port);
        return { ok: true, brokers: [`127.0.0.1:${port}`], port };
      } catch (error) {
        const reason = `no Kafka broker on 127.0.0.1:${port} and the project script could not start one: ${(error as Error).message}`;
        if (process.env.CI === 'true') throw new Error(`${reason}\n(CI: a missing broker is a failure, not a skip)`);
        console.warn(`[kafka integration tests skipped] ${reason}`);
        return { ok: false, reason };
      }
    })();
    started.set(port, state);
  }
  return state;
}
