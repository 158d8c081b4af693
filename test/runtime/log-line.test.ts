import { describe, expect, it } from 'vitest';
import { humanLine } from '../../src/runtime/log-line.js';

describe('humanLine', () => {
  it('puts the message first and leaves out the fields every event carries', () => {
    expect(humanLine({ level: 30, time: 1, pid: 2, hostname: 'h', app: 'latentflow', msg: 'fit done', epochs: 12 }, false)).toBe('fit done epochs=12');
  });

  it('quotes strings with spaces, quotes or equals signs, and empty strings, so fields stay separable', () => {
    expect(humanLine({ msg: 'm', a: 'x y', b: 'k=v', c: '', d: 'plain' }, false)).toBe('m a="x y" b="k=v" c="" d=plain');
  });

  it('shows objects as compact JSON and fractions to four significant digits', () => {
    expect(humanLine({ msg: 'm', tried: [{ name: 'wasm' }], loss: 0.000123456, rows: 10 }, false)).toBe('m tried=[{"name":"wasm"}] loss=0.0001235 rows=10');
  });
});
