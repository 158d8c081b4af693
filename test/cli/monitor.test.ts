import { describe, expect, it } from 'vitest';
import { monitorInput } from '../../src/cli/monitor.js';
import { pValueRule } from '../../src/cli/options.js';
import { SpecError } from '../../src/errors.js';
import { monitorOptionsSchema } from '../../src/monitor/options.js';

/** `latentflow monitor` options -> validated monitor options, without a broker. */

const base = { brokers: ['127.0.0.1:1'], topic: 't', group: 'g', model: 'm' };

describe('monitorInput', () => {
  it('--fields keeps features named __proto__ and constructor, each with its own path', () => {
    const options = monitorOptionsSchema.parse(monitorInput({ ...base, fields: ['__proto__=a.b', 'constructor=c'] }));
    expect([...options.fields.entries()]).toEqual([
      ['__proto__', 'a.b'],
      ['constructor', 'c'],
    ]);
    expect(monitorOptionsSchema.parse(monitorInput(base)).fields.get('constructor')).toBeUndefined();
  });

  it('--output-prefix reaches the monitor options; without it the outputs have their plain names', () => {
    expect(monitorOptionsSchema.parse(monitorInput({ ...base, outputPrefix: 'lf_' })).outputPrefix).toBe('lf_');
    expect(monitorOptionsSchema.parse(monitorInput(base)).outputPrefix).toBe('');
  });

  it('--adaptive-threshold takes learn-flagged=true|false into the stage option learnFlagged (default false)', () => {
    expect(monitorOptionsSchema.parse(monitorInput({ ...base, adaptiveThreshold: 'quantile=0.95,learn-flagged=true' })).adaptiveThreshold).toMatchObject({ quantile: 0.95, learnFlagged: true });
    expect(monitorOptionsSchema.parse(monitorInput({ ...base, adaptiveThreshold: true })).adaptiveThreshold).toMatchObject({ learnFlagged: false });
    expect(() => monitorInput({ ...base, adaptiveThreshold: 'learn-flagged=yes' })).toThrow(/learn-flagged=true\|false, received "learn-flagged=yes"/);
  });

  it('--adaptive-threshold rejects an object-property name as a key with the usual message', () => {
    expect(() => monitorInput({ ...base, adaptiveThreshold: 'constructor=1' })).toThrow(/--adaptive-threshold expects quantile=Q/);
  });

  it('--p-value-rule fpr=A | fdr=Q reaches the monitor options; an out-of-range level or both ways to flag are refused', () => {
    expect(monitorOptionsSchema.parse(monitorInput({ ...base, pValueRule: pValueRule('fpr=0.01') })).pValueRule).toEqual({ method: 'fpr', alpha: 0.01 });
    expect(monitorOptionsSchema.parse(monitorInput({ ...base, pValueRule: pValueRule('fdr=0.05') })).pValueRule).toEqual({ method: 'fdr', q: 0.05 });
    expect(() => pValueRule('fpr=1.5')).toThrow('--p-value-rule fpr expects alpha in (0, 1), received "1.5"');
    expect(() => pValueRule('contamination=0.01')).toThrow(/--p-value-rule expects fpr=A or fdr=Q/);
    expect(() => monitorInput({ ...base, adaptiveThreshold: true, pValueRule: { method: 'fpr', alpha: 0.01 } })).toThrow(SpecError);
    expect(() => monitorInput({ ...base, adaptiveThreshold: true, pValueRule: { method: 'fpr', alpha: 0.01 } })).toThrow(/--p-value-rule: adaptiveThreshold and pValueRule are two ways to flag/);
  });
});
