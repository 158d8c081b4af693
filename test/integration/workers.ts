import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A `latentflow monitor` process. */
export interface Worker {
  pid: number;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the monitor logged that it consumes (joined the group), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `latentflow monitor ...args` as its own process, from the TypeScript sources through tsx (so the
 * test never runs a stale dist/), with JSON logs on stderr.
 */
export function startWorker(args: string[], env: NodeJS.ProcessEnv = {}): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'monitor', ...args], {
    cwd: ROOT,
    env: { ...process.env, LATENTFLOW_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const readyWaiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('"monitor consuming"')) for (const w of readyWaiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    pid: child.pid!,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    ready: (timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (stderr.includes('"monitor consuming"')) return resolve();
        const timer = setTimeout(() => reject(new Error(`worker ${child.pid} not consuming after ${timeoutMs} ms:\n${stderr.slice(-3000)}`)), timeoutMs);
        readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        void exited.then((r) => {
          clearTimeout(timer);
          reject(new Error(`worker ${child.pid} exited (${r.code ?? r.signal}) before consuming:\n${r.stderr.slice(-3000)}`));
        });
      }),
  };
}

/** The JSON log lines of a worker's stderr with the given message. */
export function logLines(stderr: string, msg: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
