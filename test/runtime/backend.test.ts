import { createRequire } from 'node:module';
import * as tf from '../../src/runtime/tf.js';
import { afterEach, describe, expect, test } from 'vitest';
import { LatentflowError } from '../../src/errors.js';
import { BACKEND_ENV, currentBackend, selectBackend } from '../../src/runtime/backend.js';

// Tests run in order and share the process-wide backend; each one states the backend it leaves behind.
// The default install has no native backend; after `bash scripts/native-backend.sh` auto picks it instead,
// and the tests that assume wasm is the best available backend are skipped (scripts/test-native.sh covers it).
const isNativeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();
afterEach(() => {
  delete process.env[BACKEND_ENV];
});

describe('selectBackend', () => {
  test.skipIf(isNativeInstalled)('auto picks wasm here and reports that tensorflow (tfjs-node-gpu, tfjs-node) was tried and failed', async () => {
    expect(currentBackend()).toBeUndefined();
    const info = await selectBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.tried.map((t) => t.module)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    const [gpu, node, wasm] = info.tried;
    expect(gpu).toMatchObject({ name: 'tensorflow', error: expect.stringMatching(/tfjs-node-gpu/) });
    expect(node).toMatchObject({ name: 'tensorflow', error: expect.stringMatching(/tfjs-node/) });
    expect(wasm).toEqual({ name: 'wasm', module: '@tensorflow/tfjs-backend-wasm' });
    // The wasm backend computes.
    const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
    expect(sum).toBe(6);
  });

  test('a second call returns the cached choice without trying again', async () => {
    const first = await selectBackend();
    const second = await selectBackend('auto');
    expect(second).toEqual(first);
    expect(currentBackend()).toEqual(first);
  });

  test.skipIf(isNativeInstalled)('concurrent calls agree', async () => {
    const infos = await Promise.all([selectBackend(), selectBackend(), selectBackend('wasm')]);
    expect(infos.map((i) => i.name)).toEqual(['wasm', 'wasm', 'wasm']);
  });

  test('an explicit different preference switches backend; auto then keeps it', async () => {
    const info = await selectBackend('cpu');
    expect(info).toEqual({ name: 'cpu', tried: [{ name: 'cpu', module: '@tensorflow/tfjs-backend-cpu' }] });
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend()).name).toBe('cpu');
  });

  test.skipIf(isNativeInstalled)('an unavailable explicit preference throws E_BACKEND naming the failed package and keeps the current backend', async () => {
    const error = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LatentflowError);
    expect(error).toMatchObject({ code: 'E_BACKEND', message: expect.stringContaining('@tensorflow/tfjs-node') });
    // The message says how to get the backend, not only that it is missing.
    expect((error as Error).message).toContain('npm install @tensorflow/tfjs-node');
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackend()?.name).toBe('cpu');
  });

  test.runIf(isNativeInstalled)('with @tensorflow/tfjs-node built, an explicit tensorflow preference loads it', async () => {
    const info = await selectBackend('tensorflow');
    expect(info.name).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0])).toBe(6);
  });

  test(`${BACKEND_ENV} overrides auto`, async () => {
    process.env[BACKEND_ENV] = 'wasm';
    expect((await selectBackend()).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // An explicit preference still wins over the variable.
    expect((await selectBackend('cpu')).name).toBe('cpu');
  });

  test(`an invalid ${BACKEND_ENV} or preference throws E_BACKEND`, async () => {
    process.env[BACKEND_ENV] = 'gpu';
    await expect(selectBackend()).rejects.toMatchObject({ code: 'E_BACKEND', message: expect.stringContaining(BACKEND_ENV) });
    await expect(selectBackend('metal' as never)).rejects.toMatchObject({ code: 'E_BACKEND' });
  });
});
