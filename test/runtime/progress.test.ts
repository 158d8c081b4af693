import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { terminalProgress } from '../../src/runtime/progress.js';
import { Screen } from '../helpers/screen.js';

describe('terminal progress', () => {
  it('prints each log line whole above two concurrent bars, and leaves both bars final lines below them', () => {
    const screen = new Screen();
    const progress = terminalProgress(true, screen);
    const logger = createLogger({ format: 'human', level: 'info', output: progress.output });
    const rows = progress.start('run', 0, 'rows');
    const epochs = progress.start('training', 4, 'epochs');
    for (let epoch = 1; epoch <= 4; epoch++) {
      rows.increment(250);
      epochs.update(epoch, { loss: 1 / epoch });
      logger.warn({ epoch, stage: 'fit' }, `warning number ${epoch}`);
    }
    epochs.stop();
    rows.increment(10);
    logger.info({}, 'after training');
    rows.stop();

    const lines = screen.lines();
    const logLines = lines.filter((l) => l.includes('warning number') || l.includes('after training'));
    // Each event on exactly one line of its own, in order, with its fields; no bar characters mixed in.
    expect(logLines).toHaveLength(5);
    logLines.slice(0, 4).forEach((l, i) => expect(l).toMatch(new RegExp(`WARN.*warning number ${i + 1} epoch=${i + 1} stage=fit$`)));
    expect(logLines[4]).toMatch(/INFO.*after training$/);
    for (const l of logLines) expect(l).not.toMatch(/[░█]|rows|epochs/);
    // The bars end below the last log line with their final values.
    const tail = lines.slice(lines.indexOf(logLines[4]) + 1);
    expect(tail.some((l) => /^run\s+1010 rows/.test(l))).toBe(true);
    expect(tail.some((l) => /^training\s+.*4\/4 epochs/.test(l))).toBe(true);
  });

  it('with no bar running, log lines go straight to the stream', () => {
    const screen = new Screen();
    const progress = terminalProgress(true, screen);
    progress.output.write('plain line\n');
    expect(screen.lines()).toEqual(['plain line']);
  });
});
