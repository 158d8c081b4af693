/**
 * How the benchmarks run their Python peers (scikit-learn, umap-learn, pyarrow, PyTorch): one script per
 * peer under bench/, run with the Python of a bench venv, answering with one JSON object on stdout. The
 * peer runs while the benchmark waits, so the two sides never share the cores; its stderr goes to ours.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Matrix } from '../src/models/matrix.js';

/** The repository root (bench/..). */
export const ROOT = path.resolve(import.meta.dirname, '..');

/** The Python of the bench venv bench/peers/setup.sh makes (scikit-learn, pyarrow). */
export const BENCH_PYTHON = path.join(ROOT, '.cache/bench-venv/bin/python');

/** Runs `python bench/<script> ...args` and parses the JSON it prints. */
export function runPythonPeer<T>(python: string, script: string, args: readonly string[]): T {
  if (!existsSync(python)) throw new Error(`no Python at ${python} for bench/${script}; make the venv (see the script's header) or pass --python`);
  const out = execFileSync(python, [path.join(ROOT, 'bench', script), ...args], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.toString()) as T;
}

/**
 * Runs a peer on `x`: the matrix goes to a temporary file (raw little-endian float32, row-major; deleted
 * afterwards) and the script gets `FILE ROWS COLS ...args`.
 */
export function runPythonPeerOn<T>(python: string, script: string, x: Matrix, args: readonly (string | number)[]): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentflow-peer-'));
  try {
    const file = path.join(dir, 'x.f32');
    writeFileSync(file, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    return runPythonPeer<T>(python, script, [file, String(x.rows), String(x.cols), ...args.map(String)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
