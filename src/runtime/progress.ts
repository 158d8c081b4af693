import cliProgress from 'cli-progress';
import type { LogOutput } from './logger.js';

/** A single progress bar; all calls are cheap no-ops when progress is disabled. */
export interface ProgressBar {
  /** Advance by `delta` units (rows, batches, epochs). */
  increment(delta?: number, payload?: Record<string, string | number>): void;
  /** Set the absolute value, and optionally a new total when it was unknown at start. */
  update(value: number, payload?: Record<string, string | number>, total?: number): void;
  stop(): void;
}

/** Creates progress bars. Bars render on stderr only when it is a terminal; elsewhere logs carry progress. */
export interface Progress {
  readonly isEnabled: boolean;
  /** `total` 0 means unknown. `unit` names what is counted, e.g. `epochs`, `rows`. */
  start(label: string, total: number, unit: string): ProgressBar;
}

/** Progress that owns the terminal: log lines written to `output` print whole above its bars, not through them. */
export interface TerminalProgress extends Progress {
  readonly output: LogOutput;
}

const noopBar: ProgressBar = { increment() {}, update() {}, stop() {} };

/** Progress that never draws; used for tests, pipes, CI and library calls. */
export const noProgress: Progress = { isEnabled: false, start: () => noopBar };

/** The terminal `terminalProgress` draws on: stderr, or a stand-in in tests. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * Terminal progress on `stream` when `isEnabled` (default: stderr is a TTY and `CI` is unset). Bars that run
 * at the same time (the runner's rows and a stage's epochs) share one MultiBar, each on its own line.
 */
export function terminalProgress(
  isEnabled = Boolean(process.stderr.isTTY) && !process.env.CI,
  stream: ProgressStream = process.stderr,
): TerminalProgress {
  if (!isEnabled) return { ...noProgress, output: { write: (text) => void stream.write(text) } };
  let multi: cliProgress.MultiBar | undefined;
  let running = 0;
  return {
    isEnabled: true,
    output: {
      write(text) {
        if (multi === undefined) return void stream.write(text);
        // log() only queues; update() clears the bars, prints the queue and redraws them below it.
        multi.log(text.endsWith('\n') ? text : `${text}\n`);
        multi.update();
      },
    },
    start(label, total, unit) {
      // forceRedraw: a bar skips drawing when its text is unchanged, but a log line printed above has
      // moved every bar down a line, so an unchanged bar would vanish under the next one.
      multi ??= new cliProgress.MultiBar(
        { stream, hideCursor: true, clearOnComplete: false, etaBuffer: 20, forceRedraw: true },
        cliProgress.Presets.shades_classic,
      );
      const bar = multi.create(total, 0, { extra: '' }, {
        // An unknown total (streams) shows a running count instead of a bar and an ETA.
        format:
          total > 0
            ? `${label.padEnd(18)} {bar} {value}/{total} ${unit} | {eta_formatted} left {extra}`
            : `${label.padEnd(18)} {value} ${unit} {extra}`,
      });
      running += 1;
      let isStopped = false;
      return {
        increment(delta = 1, payload) {
          bar.increment(delta, payload ? { extra: formatPayload(payload) } : undefined);
        },
        update(value, payload, newTotal) {
          if (newTotal !== undefined) bar.setTotal(newTotal);
          bar.update(value, payload ? { extra: formatPayload(payload) } : undefined);
        },
        stop() {
          if (isStopped) return;
          isStopped = true;
          bar.stop();
          running -= 1;
          // The last bar to finish leaves every bar's final line on screen and frees the terminal.
          if (running === 0 && multi !== undefined) {
            multi.stop();
            multi = undefined;
          }
        },
      };
    },
  };
}

function formatPayload(payload: Record<string, string | number>): string {
  return Object.entries(payload)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
    .join(' ');
}
