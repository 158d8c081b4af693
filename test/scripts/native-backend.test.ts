import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/native-backend.sh reads the result of its load check from one marker line, so the absl/oneDNN
 * lines TensorFlow prints on some CPUs (to stderr, and to stdout) cannot break it (issue 11 item 7: a fresh
 * machine's CI failed on exactly that). The script runs from a temp copy of the repo layout whose
 * node_modules holds a small ESM stand-in for @tensorflow/tfjs-node: it computes the check's matMul for
 * real and prints TensorFlow-style noise around it. The real package is not needed, and nothing in the
 * repo is touched.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const NOISE_STDERR = [
  '2026-02-01 00:00:00.000000: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders.',
  'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR',
  'I0000 00:00:1738368000.000000   12345 cpu_feature_guard.cc:210] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.',
];
const NOISE_STDOUT = ['tensorflow 2.9.1', 'oneDNN v3.5.0 primitive cache: 1024 entries'];

/** An ESM package that behaves like tfjs-node as far as the check goes; `throws` makes its import fail. */
function fakeTfjsNode(version: string, throws: boolean): string {
  return `
for (const line of ${JSON.stringify(NOISE_STDERR)}) process.stderr.write(line + '\\n');
for (const line of ${JSON.stringify(NOISE_STDOUT)}) process.stdout.write(line + '\\n');
process.on('exit', () => process.stdout.write('I tensorflow/core/common_runtime/process_util.cc:146] shutting down\\n'));
${throws ? "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');" : ''}
class Tensor {
  constructor(rows, cols, data) { Object.assign(this, { rows, cols, data }); }
  sum() { return new Tensor(1, 1, [this.data.reduce((a, b) => a + b, 0)]); }
  dataSync() { return Float32Array.from(this.data); }
}
export const ones = ([rows, cols]) => new Tensor(rows, cols, new Array(rows * cols).fill(1));
export function matMul(a, b) {
  const out = [];
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.cols; j++) {
    let s = 0;
    for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k] * b.data[k * b.cols + j];
    out.push(s);
  }
  return new Tensor(a.rows, b.cols, out);
}
export const tidy = (fn) => fn();
export const getBackend = () => 'tensorflow';
export const backend = () => ({ binding: { TF_Version: ${JSON.stringify(version)} } });
`;
}

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** Lays out scripts/native-backend.sh plus the fake package in a fresh temp dir and runs the script there. */
async function runScript(args: string[], fake: { version?: string; throws?: boolean } = {}) {
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-native-check-'));
  await mkdir(path.join(root, 'scripts'));
  await copyFile(path.join(repo, 'scripts/native-backend.sh'), path.join(root, 'scripts/native-backend.sh'));
  const pkg = path.join(root, 'node_modules/@tensorflow/tfjs-node');
  await mkdir(pkg, { recursive: true });
  await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', type: 'module', exports: './index.js' }));
  await writeFile(path.join(pkg, 'index.js'), fakeTfjsNode(fake.version ?? '2.21.0', fake.throws ?? false));
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', [path.join(root!, 'scripts/native-backend.sh'), ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('scripts/native-backend.sh', () => {
  it('--check exits 0 and reports "tensorflow 2.21.0" through TensorFlow log lines on stderr and stdout', async () => {
    const r = await runScript(['--check']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[native-backend\] loads: tensorflow 2\.21\.0$/m);
  });

  it('without arguments, an already working backend of the pinned version is left as it is (exit 0, no build)', async () => {
    const r = await runScript([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('already built: tensorflow 2.21.0');
    expect(r.stderr).not.toMatch(/downloading|installing|building/);
  });

  it('--check exits 1 and says why when the package fails to load', async () => {
    const r = await runScript(['--check'], { throws: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not load: .*cannot open shared object file/);
  });

  it('an unknown argument exits 1 naming the accepted ones', async () => {
    const r = await runScript(['--chek']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown argument --chek; expected --check or --force');
  });
});
