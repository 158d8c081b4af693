import { AckService } from '../../src/contract/acks.js';
import { ModelSlots } from '../../src/contract/model-slots.js';
import type { StageContext } from '../../src/contract/stage.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { noProgress } from '../../src/runtime/progress.js';

/** A stage context for tests: silent logs, no progress bars, a fixed seed. */
export function testContext(overrides: Partial<StageContext> = {}): StageContext {
  return {
    stageId: 'test-stage',
    signal: new AbortController().signal,
    drain: new AbortController().signal,
    logger: silentLogger(),
    seed: 7,
    progress: noProgress,
    models: new ModelSlots(),
    acks: new AckService(),
    baseDir: process.cwd(),
    ...overrides,
  };
}

/** Drains an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Turns an array into an async iterable, like a source would yield it. */
export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const x of items) yield x;
}
