import { Command, CommanderError } from 'commander';
import { LatentflowError, SpecError } from '../errors.js';
import { registerFit } from './fit.js';
import { registerInfo } from './info.js';
import { registerList } from './list.js';
import { registerMonitor } from './monitor.js';
import { registerPlot } from './plot.js';
import { registerPlugins } from './plugins.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerScore } from './score.js';
import { registerValidate } from './validate.js';
import { terminalText } from './terminal-text.js';
import { version } from './version.js';

/** Shown after a usage error, on the same line so the error stays one line. */
const USAGE_HINT = '(run with --help for usage)';

/**
 * Exit codes: 0 success, 1 the run failed (data, model, connector, or an internal error), 2 the command or
 * pipeline is invalid. Every failure prints one line on stderr (`latentflow: error <code>: <message>`);
 * the stack of an unexpected error is printed only with `--log-level debug|trace` (or
 * LATENTFLOW_LOG_LEVEL), because a stack is for a bug report, not for the user.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('latentflow')
    .description('Autoencoder anomaly detection and dimensionality reduction over Arrow record batches')
    .version(version())
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`latentflow: ${terminalText(oneLine(text))} ${USAGE_HINT}\n`) });
  registerPlugins(program);
  registerRun(program);
  registerValidate(program);
  registerList(program);
  registerFit(program);
  registerScore(program);
  registerInfo(program);
  registerMonitor(program);
  registerReport(program);
  registerPlot(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const isDebug = wantsStack(argv);
    if (error instanceof LatentflowError) {
      process.stderr.write(`latentflow: error ${error.code}: ${terminalText(oneLine(error.message))}\n`);
      if (isDebug && error.stack) process.stderr.write(`${error.stack}\n`);
      return error instanceof SpecError ? 2 : 1;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(
      isDebug
        ? `latentflow: internal error: ${(error as Error)?.stack ?? message}\n`
        : `latentflow: internal error: ${terminalText(oneLine(message))} (rerun with --log-level debug for the stack trace)\n`,
    );
    return 1;
  }
}

/** Messages with line breaks (multi-line library errors) printed as one line. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/** True when the user asked for debug output: `--log-level debug|trace` (either spelling) or the env variable. */
function wantsStack(argv: readonly string[]): boolean {
  const levels = new Set(['debug', 'trace']);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--log-level' && levels.has(argv[i + 1] ?? '')) return true;
    if (argv[i].startsWith('--log-level=') && levels.has(argv[i].slice('--log-level='.length))) return true;
  }
  return levels.has(process.env.LATENTFLOW_LOG_LEVEL ?? '');
}
