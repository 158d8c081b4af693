import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BACKEND = pathToFileURL(path.join(ROOT, 'src/runtime/backend.ts')).href;

// A host program that loads a backend through latentflow, then fails on its own. Node's own exit codes
// are 1 for an uncaught exception and for an unhandled rejection; a host handler decides for itself.
const HOST = `
import { selectBackend } from ${JSON.stringify(BACKEND)};
const [backend, mode] = process.argv.slice(2);
if (mode === 'handler-before') process.on('uncaughtException', () => process.exit(42));
const info = await selectBackend(backend);
if (info.name !== backend) throw new Error('got backend ' + info.name);
if (mode === 'handler-after') process.on('uncaughtException', () => process.exit(43));
setTimeout(() => {
  if (mode === 'reject') Promise.reject(new Error('host rejection'));
  else throw new Error('host error');
}, 10);
`;

let dir: string;
let script: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-host-'));
  script = path.join(dir, 'host.mts');
  await writeFile(script, HOST);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runHost(backend: string, mode: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, backend, mode], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a host program that loaded a backend keeps its own error handling', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`${backend}: an uncaught host error exits 1 and prints the host's error, not the backend's exit code 7`, async () => {
      const { code, stderr } = await runHost(backend, 'plain');
      expect(code).toBe(1);
      expect(stderr).toContain('host error');
    });

    it(`${backend}: an unhandled host rejection exits 1 with the host's reason`, async () => {
      const { code, stderr } = await runHost(backend, 'reject');
      expect(code).toBe(1);
      expect(stderr).toContain('host rejection');
    });

    it(`${backend}: the host's uncaughtException handler, added before or after loading, decides the exit code`, async () => {
      expect((await runHost(backend, 'handler-before')).code).toBe(42);
      expect((await runHost(backend, 'handler-after')).code).toBe(43);
    });
  }
});
