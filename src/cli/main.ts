import { Command, CommanderError } from 'commander';
import { LatentflowError, SpecError } from '../errors.js';
import { registerFit } from './fit.js';
import { registerInfo } from './info.js';
import { registerList } from './list.js';
import { registerMonitor } from './monitor.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerScore } from './score.js';
import { registerValidate } from './validate.js';
import { terminalText } from './terminal-text.js';
import { version } from './version.js';

/** Exit codes: 0 success, 1 the run failed (data, model, connector), 2 the command or pipeline is invalid. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('latentflow')
    .description('Autoencoder anomaly detection and dimensionality reduction over Arrow record batches')
    .version(version())
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerRun(program);
  registerValidate(program);
  registerList(program);
  registerFit(program);
  registerScore(program);
  registerInfo(program);
  registerMonitor(program);
  registerReport(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof LatentflowError) {
      process.stderr.write(`latentflow: error ${error.code}: ${terminalText(error.message)}\n`);
      return error instanceof SpecError ? 2 : 1;
    }
    process.stderr.write(`latentflow: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
