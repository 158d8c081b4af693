import type { Command } from 'commander';
import { outputTarget, resolveFilePath } from '../io/output-target.js';
import { runPipeline, type RunSummary } from '../pipeline/runner.js';
import { loadPipelineFile, type PipelineSpec } from '../pipeline/spec.js';
import { cliSession } from './session.js';
import { formatSummary } from './summary.js';
import { terminalLines } from './terminal-text.js';
import { globalOptions, type GlobalOptions } from './options.js';

/**
 * Runs specs in order, printing each summary. A first SIGINT/SIGTERM drains a run that reads a stream (its
 * source is unbounded: what was read is written and committed, the summary printed, later specs skipped)
 * and aborts any other run cleanly (no partial output); a second one aborts. A summary goes to stderr
 * instead of stdout when the run's sink writes to stdout (`-o -`, `/dev/stdout`), so it never ends up
 * inside the data.
 */
export async function runSpecs(specs: PipelineSpec[], options: GlobalOptions): Promise<RunSummary[]> {
  const { logger, progress } = cliSession(options);
  const controller = new AbortController();
  const drain = new AbortController();
  let current: PipelineSpec | undefined;
  const stop = (signal: string) => {
    if (!drain.signal.aborted && current?.source.definition.isUnbounded === true) {
      logger.info({ signal }, `received ${signal}: draining (finishing the batches read, committing); send it again to abort`);
      drain.abort(new Error(`received ${signal}`));
    } else controller.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const summaries: RunSummary[] = [];
  try {
    for (const spec of specs) {
      if (drain.signal.aborted) break;
      if (options.backend) spec.backend = options.backend;
      current = spec;
      const summary = await runPipeline(spec, { logger, progress, signal: controller.signal, drain: drain.signal });
      summaries.push(summary);
      const out = (await sinkWritesStdout(spec)) ? process.stderr : process.stdout;
      out.write(options.json ? `${JSON.stringify(summary)}\n` : `${terminalLines(formatSummary(summary))}\n`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return summaries;
}

async function sinkWritesStdout(spec: PipelineSpec): Promise<boolean> {
  const p = spec.sink.params.path;
  return typeof p === 'string' && (await outputTarget(resolveFilePath(spec.baseDir, p))).kind === 'stdout';
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
