import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Kafka integration tests need the broker and their own setup: vitest.integration.config.ts.
    exclude: ['test/integration/**', 'node_modules/**'],
    // Model tests train real networks on 2 cores; a worker per core keeps wall time low without oversubscribing.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
