import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Kafka integration tests need the broker and their own setup: vitest.integration.config.ts.
    exclude: ['test/integration/**', 'node_modules/**'],
    // Model tests train real networks on 2 cores; a worker per core keeps wall time low without oversubscribing.
    pool: 'forks',
    // dist/ is built once here, not by each CLI test file (concurrent rebuilds raced with spawned CLIs).
    globalSetup: ['test/helpers/build-cli-setup.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
