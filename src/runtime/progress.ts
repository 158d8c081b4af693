import cliProgress from 'cli-progress';

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

const noopBar: ProgressBar = { increment() {}, update() {}, stop() {} };

/** Progress that never draws; used for tests, pipes, CI and library calls. */
export const noProgress: Progress = { isEnabled: false, start: () => noopBar };

/** Terminal progress on stderr when `isEnabled` (default: stderr is a TTY and `CI` is unset). */
export function terminalProgress(isEnabled = Boolean(process.stderr.isTTY) && !process.env.CI): Progress {
  if (!isEnabled) return noProgress;
  return {
    isEnabled: true,
    start(label, total, unit) {
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          // An unknown total (streams) shows a running count instead of a bar and an ETA.
          format:
            total > 0
              ? `${label.padEnd(18)} {bar} {value}/{total} ${unit} | {eta_formatted} left {extra}`
              : `${label.padEnd(18)} {value} ${unit} {extra}`,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { extra: '' });
      return {
        increment(delta = 1, payload) {
          bar.increment(delta, payload ? { extra: formatPayload(payload) } : undefined);
        },
        update(value, payload, newTotal) {
          if (newTotal !== undefined) bar.setTotal(newTotal);
          bar.update(value, payload ? { extra: formatPayload(payload) } : undefined);
        },
        stop() {
          bar.stop();
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
