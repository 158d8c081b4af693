import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from './tf.js';
import { LatentflowError } from '../errors.js';
import { keepingHostHandlers } from './host-handlers.js';

/** A TensorFlow.js backend latentflow can run on, fastest first: native TensorFlow, WebAssembly, plain JS. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What to run on: `auto` takes the fastest backend that loads; a name insists on that backend. */
export type BackendPreference = 'auto' | BackendName;

/** One backend `selectBackend` tried, in order. */
export interface BackendAttempt {
  /** Backend name as TensorFlow.js registers it. */
  name: BackendName;
  /** The npm package that provides it (`cpu` is `@tensorflow/tfjs-backend-cpu`, a dependency of latentflow). */
  module: string;
  /** Why it could not be used; absent when it was chosen. */
  error?: string;
}

/** The chosen backend and every attempt made to get there, for the caller to log. */
export interface BackendInfo {
  name: BackendName;
  tried: BackendAttempt[];
}

/** Environment variable that replaces the `auto` preference, e.g. `LATENTFLOW_BACKEND=cpu`. */
export const BACKEND_ENV = 'LATENTFLOW_BACKEND';

const PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** How to get each backend, for the error when one that was asked for by name is missing. */
const INSTALL_HINT: Record<BackendName, string> = {
  // npm's install script for tfjs-node downloads libtensorflow; where that is blocked, the repository's
  // script builds it from the PyPI tensorflow-cpu wheel instead.
  tensorflow:
    'install it with `npm install @tensorflow/tfjs-node` (or @tensorflow/tfjs-node-gpu); where its download is blocked, `bash scripts/native-backend.sh` in the latentflow repository builds it',
  wasm: 'install it with `npm install @tensorflow/tfjs-backend-wasm`',
  cpu: 'reinstall latentflow, whose dependency `@tensorflow/tfjs-backend-cpu` provides it',
};

let selected: BackendInfo | undefined;
// Selection is serialised: two callers racing on tf.setBackend would otherwise both initialise a backend.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Loads and activates a TensorFlow.js backend.
 *
 * `auto` (the default; replaced by `$LATENTFLOW_BACKEND` when that is set) tries
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (both register `tensorflow`), then
 * `@tensorflow/tfjs-backend-wasm`, then `cpu`, and never fails. An explicit name that cannot be loaded
 * rejects with a `LatentflowError` code `E_BACKEND` that names the package and its error.
 *
 * Idempotent: later calls return the cached choice, unless they name a different backend explicitly.
 * Does not log; the caller logs the returned `tried` list.
 */
export function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  const run = queue.then(() => select(preference));
  queue = run.catch(() => undefined);
  return run;
}

/** The backend chosen by the last successful `selectBackend`, or `undefined` before the first one. */
export function currentBackend(): BackendInfo | undefined {
  return selected === undefined ? undefined : { name: selected.name, tried: selected.tried.map((t) => ({ ...t })) };
}

async function select(requested: BackendPreference): Promise<BackendInfo> {
  const preference = resolvePreference(requested);
  if (selected !== undefined && (preference === 'auto' || preference === selected.name)) {
    return currentBackend() as BackendInfo;
  }
  const tried: BackendAttempt[] = [];
  const candidates: BackendName[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  for (const name of candidates) {
    if (await activate(name, tried)) {
      selected = { name, tried };
      return currentBackend() as BackendInfo;
    }
  }
  const detail = tried.map((t) => `${t.module}: ${t.error ?? 'unknown error'}`).join('; ');
  throw new LatentflowError(
    'E_BACKEND',
    `backend "${preference}" is not available (${detail}); ${INSTALL_HINT[preference as BackendName]}, or choose another backend (auto, tensorflow, wasm, cpu)`,
  );
}

function resolvePreference(requested: BackendPreference): BackendPreference {
  if (!PREFERENCES.includes(requested)) {
    throw new LatentflowError('E_BACKEND', `backend: expected one of ${PREFERENCES.join(', ')}, received "${String(requested)}"`);
  }
  if (requested !== 'auto') return requested;
  const fromEnv = process.env[BACKEND_ENV]?.trim();
  if (fromEnv === undefined || fromEnv === '') return 'auto';
  if (!PREFERENCES.includes(fromEnv as BackendPreference)) {
    throw new LatentflowError(
      'E_BACKEND',
      `${BACKEND_ENV}: expected one of ${PREFERENCES.join(', ')}, received "${fromEnv}"; fix or unset the variable`,
    );
  }
  return fromEnv as BackendPreference;
}

/** Tries one backend, appending every attempt to `tried`; true when it is now the active backend. */
async function activate(name: BackendName, tried: BackendAttempt[]): Promise<boolean> {
  switch (name) {
    case 'tensorflow':
      // Read by libtensorflow when it loads, so set before the import; a value the caller set wins. Level 2
      // keeps TensorFlow's start-up notices (CPU features, oneDNN) off stderr, which carries one JSON log
      // object per line.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      for (const module of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        if (await attempt(tried, name, module, () => import(module))) return true;
      }
      return false;
    case 'wasm':
      return attempt(tried, name, '@tensorflow/tfjs-backend-wasm', async () => {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        // The .wasm binaries sit next to the package's main file; setWasmPaths takes a directory ending in '/'.
        const require = createRequire(import.meta.url);
        const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
        wasm.setWasmPaths(dir);
      });
    case 'cpu':
      // Registered by src/runtime/tf.ts, which every model imports.
      return attempt(tried, name, '@tensorflow/tfjs-backend-cpu', async () => undefined);
  }
}

async function attempt(
  tried: BackendAttempt[],
  name: BackendName,
  module: string,
  load: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await keepingHostHandlers(async () => {
      await load();
      // setBackend resolves false (instead of throwing) when the backend is missing or its initialiser fails.
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') could not initialise the backend`);
      await tf.ready();
    });
    tried.push({ name, module });
    return true;
  } catch (error) {
    tried.push({ name, module, error: describe(error) });
    return false;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const firstLine = error.message.split('\n')[0].replace(/\.$/, '');
    return typeof code === 'string' ? `${code}: ${firstLine}` : firstLine;
  }
  return String(error);
}
