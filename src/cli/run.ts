import type { Command } from 'commander';
import { runPipeline, type RunSummary } from '../pipeline/runner.js';
import { loadPipelineFile, type PipelineSpec } from '../pipeline/spec.js';
import { cliSession } from './session.js';
import { formatSummary } from './summary.js';
import { terminalLines } from './terminal-text.js';
import { globalOptions, type GlobalOptions } from './options.js';

/** Runs specs in order, printing each summary; SIGINT/SIGTERM abort the run in flight cleanly. */
export async function runSpecs(specs: PipelineSpec[], options: GlobalOptions): Promise<RunSummary[]> {
  const { logger, progress } = cliSession(options);
  const controller = new AbortController();
  const stop = (signal: string) => controller.abort(new Error(`received ${signal}`));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const summaries: RunSummary[] = [];
  try {
    for (const spec of specs) {
      if (options.backend) spec.backend = options.backend;
      const summary = await runPipeline(spec, { logger, progress, signal: controller.signal });
      summaries.push(summary);
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${terminalLines(formatSummary(summary))}\n`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return summaries;
}

export function registerRun(program: Command): void {
  globalOptions(
    program
      .command('run')
      .description('Run a pipeline file (several YAML documents run in order)')
      .argument('<pipeline>', 'pipeline YAML file'),
  ).action(async (file: string, options: GlobalOptions) => {
    await runSpecs(await loadPipelineFile(file), options);
  });
}
