// @ts-check
/**
 * Mutation testing (issue 11): `npm run test:mutation`, never part of test:all or CI, because it runs the
 * selected tests once per mutant. Tuned for a shared 2-core machine:
 * - coverageAnalysis perTest: each mutant runs only the tests that reach it;
 * - vitest.mutation.config.ts: only the test files that exercise these folders;
 * - concurrency 1 by default (pass `--concurrency 2` on an idle machine);
 * - incremental: results are reused for unchanged code and tests. The incremental file lives in .cache/
 *   (gitignored): it is bound to one checkout's exact sources, and a committed copy would conflict on every
 *   merge of parallel branches.
 * One folder at a time: `npm run test:mutation -- --mutate 'src/io/*.ts'`.
 * scripts/mutation-summary.mjs prints the score per folder from the JSON report.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: [
    'src/io/**/*.ts',
    'src/pipeline/**/*.ts',
    'src/contract/**/*.ts',
    'src/artifact/**/*.ts',
    'src/connectors/{csv,ipc,parquet}-{source,sink}.ts',
    'src/connectors/null-sink.ts',
  ],
  // Static mutants (module-level constants) defeat perTest coverage: each reruns every selected test. On 2
  // shared cores that is most of the run time, so they are ignored and reported as such (not scored).
  ignoreStatic: true,
  incremental: true,
  incrementalFile: '.cache/stryker/incremental.json',
  tempDirName: '.cache/stryker/tmp',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: '.cache/stryker/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  timeoutMS: 30_000,
  cleanTempDir: 'always',
  ignorePatterns: ['bench', 'dist', 'test-artifacts', '.venv', '.scratch'],
};
