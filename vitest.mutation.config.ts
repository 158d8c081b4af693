import { defineConfig } from 'vitest/config';

/**
 * The test files StrykerJS runs for `npm run test:mutation` (stryker.config.mjs): the ones that exercise
 * src/io, src/pipeline, src/artifact and the file connectors, without the model-training suites that
 * would make every mutant cost minutes on a 2-core machine.
 *
 * MUTATION_TESTS (comma-separated globs) replaces the list for one run, e.g. a folder's own tests:
 * `MUTATION_TESTS='test/artifact/**' npm run test:mutation -- --mutate 'src/artifact/*.ts'`. Fewer tests can
 * only kill fewer mutants, so that score is a lower bound of the full list's, at a fraction of the time
 * when the shared machine is busy.
 */
const only = process.env.MUTATION_TESTS?.split(',').filter((g) => g !== '');

export default defineConfig({
  test: {
    include: only ?? [
      'test/connectors/**/*.test.ts',
      'test/io/**/*.test.ts',
      'test/pipeline/runner.test.ts',
      'test/pipeline/spec.test.ts',
      'test/pipeline/runner-lifecycle.test.ts',
      'test/contract/**/*.test.ts',
      'test/pipeline/spec-errors.test.ts',
      'test/pipeline/path-check.test.ts',
      'test/artifact/**/*.test.ts',
      'test/robustness/**/*.test.ts',
    ],
    // streaming.test.ts measures 200k-row throughput (seconds per run): too slow to rerun per mutant.
    // robustness/paths.test.ts drives the built CLI (dist/, which Stryker does not mutate), so it cannot
    // detect a mutant, and its beforeAll spawns a CLI fit on every rerun; its in-process checks are in
    // test/pipeline/path-check.test.ts and test/artifact/model-save-layout.test.ts.
    exclude: ['test/integration/**', 'node_modules/**', 'test/connectors/streaming.test.ts', 'test/robustness/paths.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
