import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';

/**
 * `--plugin <module>` (repeatable, any command): modules imported before the command runs, so the stages
 * they register with `registerStage` can be named in pipeline files, validated and listed. A path (./x.js,
 * /abs/x.js) is resolved against the working directory, anything else imported as a package name.
 */
export function registerPlugins(program: Command): void {
  program.option('--plugin <module>', 'import this module first (it registers user stages with registerStage); repeatable', (value: string, previous: string[] = []) => [...previous, value]);
  program.hook('preAction', async () => {
    for (const specifier of (program.opts().plugin as string[] | undefined) ?? []) {
      const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
      try {
        await import(isPath ? pathToFileURL(path.resolve(specifier)).href : specifier);
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        // A usage error: one line through commander's output, exit 2, no stack.
        program.error(`error: --plugin ${specifier}: cannot load it (${reason})`, { exitCode: 2, code: 'latentflow.plugin' });
      }
    }
  });
}
