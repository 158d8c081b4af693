/** Timing helpers the benchmarks share: medians, process CPU, and a child process timed by GNU time. */
import { spawnSync } from 'node:child_process';
import { ROOT } from './python-peer.js';

/** Process CPU seconds (user + system, all threads) so far. */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Median (mean of the middle two for an even count). */
export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One run's wall and CPU seconds and peak RSS (MB). */
export interface ProcessRun {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

/** Runs a command (in the repository root) under GNU time: wall, user + system CPU and peak RSS of the whole process. */
export function timedProcess(command: string, args: readonly string[]): ProcessRun & { stdout: string; stderr: string } {
  const done = spawnSync('/usr/bin/time', ['-f', '@@time %e %U %S %M', command, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /@@time (\S+) (\S+) (\S+) (\S+)/.exec(done.stderr);
  if (done.status !== 0 || m === null) throw new Error(`${command} ${args.join(' ')} failed (${done.status}):\n${done.stderr}`);
  return { seconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), maxRssMb: Number(m[4]) / 1024, stdout: done.stdout, stderr: done.stderr };
}

/** Wall and process CPU seconds of each of `repeats` calls of `run(r)`, and the last call's result. */
export async function timedRepeats<T>(repeats: number, run: (r: number) => T | Promise<T>, onRun?: (r: number, wallS: number, cpuS: number) => void): Promise<{ seconds: number[]; cpuSeconds: number[]; last: T }> {
  const seconds: number[] = [];
  const cpu: number[] = [];
  let last: T | undefined;
  for (let r = 0; r < repeats; r++) {
    const wall0 = performance.now();
    const cpu0 = cpuSeconds();
    last = await run(r);
    seconds.push((performance.now() - wall0) / 1000);
    cpu.push(cpuSeconds() - cpu0);
    onRun?.(r, seconds[r], cpu[r]);
  }
  return { seconds, cpuSeconds: cpu, last: last as T };
}
