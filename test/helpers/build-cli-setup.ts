import { buildCli, CLI_BUILT_ENV } from './cli.js';

/**
 * vitest globalSetup: builds dist/ once, before any test file starts. Test files that each rebuilt it in
 * their own beforeAll raced: tsc rewrote dist/ while another worker's spawned CLI was importing it, and that
 * CLI failed with a missing export. Workers are forked after this runs, so they inherit the flag.
 */
export default function setup(): void {
  buildCli();
  process.env[CLI_BUILT_ENV] = '1';
}
