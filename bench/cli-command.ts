import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './python-peer.js';

/** How a bench runs the `latentflow` CLI: the built package users run, or the sources under tsx. */
export type CliKind = 'built' | 'tsx';

const BUILT_CLI = path.join(ROOT, 'dist/cli/bin.js');

/**
 * The node arguments that start the CLI of `kind` (`--cli built`, the default of the benches, is
 * `node dist/cli/bin.js`, which needs `npm run build` first; `--cli tsx` loads the sources, about a second
 * more per start). Throws for another kind, or when the build is missing.
 */
export function cliCommand(kind: string): string[] {
  if (kind === 'tsx') return ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts')];
  if (kind !== 'built') throw new Error(`--cli must be built or tsx, received ${kind}`);
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first, or pass --cli tsx`);
  return [BUILT_CLI];
}

/** The words a report uses for the CLI of `kind`. */
export function cliText(kind: string): string {
  return kind === 'tsx' ? 'sources under tsx (node --import tsx src/cli/bin.ts)' : 'built package (node dist/cli/bin.js)';
}
