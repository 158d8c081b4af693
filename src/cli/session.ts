import { createLogger, type Logger } from '../runtime/logger.js';
import { terminalProgress, type TerminalProgress } from '../runtime/progress.js';

/** Logger and progress for one CLI invocation. */
export interface CliSession {
  logger: Logger;
  progress: TerminalProgress;
}

/**
 * On a terminal, progress bars show what happens and logs default to warnings only, one readable line each,
 * printed above the bars; elsewhere (pipes, CI, services) JSON logs at info carry progress. `--log-level` wins.
 */
export function cliSession(options: { logLevel?: string; progress?: boolean }): CliSession {
  // commander sets progress=true unless --no-progress, so `true` only means "allowed", never "forced".
  const progress = terminalProgress(options.progress !== false && Boolean(process.stderr.isTTY) && !process.env.CI);
  const level = options.logLevel ?? process.env.LATENTFLOW_LOG_LEVEL ?? (progress.isEnabled ? 'warn' : 'info');
  return { logger: createLogger({ level, output: progress.output }), progress };
}
