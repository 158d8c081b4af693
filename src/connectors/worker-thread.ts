import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry is the module `name` (without extension) next to `here` (the
 * caller's `import.meta.url`): the compiled `.js` module, or, when the caller runs from its TypeScript source
 * (tests, tsx), a bootstrap that installs tsx's require hook in the thread first (a `--import` in the
 * thread's execArgv does not reach its entry module on Node 20).
 */
export function startWorkerThread(here: string, name: string): Worker {
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here));
  const loader = createRequire(here).resolve('tsx/cjs');
  const entry = fileURLToPath(new URL(`./${name}.ts`, here));
  return new Worker(`require(${JSON.stringify(loader)}); require(${JSON.stringify(entry)});`, { eval: true });
}
