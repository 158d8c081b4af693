import { afterEach, describe, expect, it } from 'vitest';
import { LatentflowError } from '../../src/errors.js';
import { createLogger, defaultLogFormat, LOG_FORMAT_ENV, type LogFormat } from '../../src/runtime/logger.js';

afterEach(() => {
  delete process.env[LOG_FORMAT_ENV];
});

function capture(format: LogFormat, level = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ format, level, output: { write: (text) => lines.push(text) } });
  return { logger, lines };
}

describe('createLogger', () => {
  it('json: one parseable object per event with every field', () => {
    const { logger, lines } = capture('json');
    logger.warn({ stage: 'score', rows: 3, tried: [{ name: 'tensorflow' }] }, 'dropped rows');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 40, msg: 'dropped rows', stage: 'score', rows: 3, tried: [{ name: 'tensorflow' }], app: 'latentflow' });
  });

  it('human: one line per event, time, level, message, then key=value fields; no JSON braces for plain fields', () => {
    const previous = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const { logger, lines } = capture('human');
      logger.warn({ stage: 'score', rows: 3, loss: 0.123456, path: 'my file.csv' }, 'dropped rows');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: dropped rows stage=score rows=3 loss=0.1235 path="my file.csv"\n$/);
    } finally {
      if (previous === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = previous;
    }
  });

  it('human: an error is its code and message on the same line; the stack only at debug level', () => {
    const error = new LatentflowError('E_DATA', 'data.csv line 7, column "x": not a number\n(see the docs)');
    const info = capture('human', 'info');
    info.logger.error({ err: error, stage: 'csv-source' }, 'stage failed');
    expect(info.lines).toHaveLength(1);
    expect(info.lines[0].trimEnd().split('\n')).toHaveLength(1);
    expect(info.lines[0]).toContain('stage failed stage=csv-source (E_DATA: data.csv line 7, column "x": not a number (see the docs))');
    const debug = capture('human', 'debug');
    debug.logger.error({ err: error }, 'stage failed');
    expect(debug.lines[0]).toContain('at ');
    expect(debug.lines[0].trimEnd().split('\n').length).toBeGreaterThan(1);
  });

  it(`${LOG_FORMAT_ENV} chooses the format; an invalid value is refused with its name`, () => {
    process.env[LOG_FORMAT_ENV] = 'human';
    expect(defaultLogFormat()).toBe('human');
    process.env[LOG_FORMAT_ENV] = 'json';
    expect(defaultLogFormat()).toBe('json');
    process.env[LOG_FORMAT_ENV] = 'pretty';
    expect(() => defaultLogFormat()).toThrow(LatentflowError);
    expect(() => defaultLogFormat()).toThrow(/LATENTFLOW_LOG_FORMAT: expected json or human, received "pretty"/);
  });

  it('without a terminal (as under vitest) the default format is json', () => {
    expect(process.stderr.isTTY).toBeFalsy();
    expect(defaultLogFormat()).toBe('json');
  });
});
