import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Absolute path of the built CLI entry. */
export const BIN = path.resolve(import.meta.dirname, '../../dist/cli/bin.js');

/** Result of one CLI invocation. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `latentflow ...args` in `cwd` as a separate process (not a TTY, like CI or a cron job). With `stdin`,
 * that text is piped to its standard input; otherwise it has none.
 */
export function latentflow(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Set by the unit suite's globalSetup (test/helpers/build-cli-setup.ts) once it has built dist/. */
export const CLI_BUILT_ENV = 'LATENTFLOW_TEST_CLI_BUILT';

/**
 * The CLI tests run the real binary from dist/, so they build it first: a stale or missing build would
 * otherwise test old code. Under the unit suite the build ran once before any test file (rebuilding from
 * each file raced with CLIs other files had spawned), so this does nothing there.
 */
export function buildCli(): void {
  if (process.env[CLI_BUILT_ENV] === '1') return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: path.resolve(import.meta.dirname, '../..'), stdio: 'inherit' });
}
