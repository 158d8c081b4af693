import { defineConfig } from 'vitest/config';

/**
 * Integration tests against a real Kafka broker on 127.0.0.1 (scripts/kafka/broker.sh, started by the global
 * setup). Files run one at a time: they share the broker and some of them restart it.
 */
export default defineConfig({
  test: {
    include: ['test/integration/**/*.int.test.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
