import { answers, BROKER_PORT, brokerScript } from './broker.js';

/**
 * vitest globalSetup for the integration project: starts the shared broker once through the project script
 * (fetching Kafka on a fresh machine) and stops it afterwards if it was not running before. In CI a broker
 * that cannot be started fails the run; locally the test files skip and print why (see `useBroker`).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const wasRunning = await answers(BROKER_PORT);
  let started = false;
  if (!wasRunning) {
    try {
      await brokerScript('start');
      started = true;
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      console.warn(`[kafka integration tests will skip] ${(error as Error).message}`);
    }
  }
  return async () => {
    if (started) await brokerScript('stop').catch((error: unknown) => console.warn(`broker stop failed: ${(error as Error).message}`));
  };
}
