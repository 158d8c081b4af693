import { describe, expect, it } from 'vitest';
import { canonicalDecimalValue, isCanonicalDecimal } from '../../src/io/canonical-decimal.js';
import { formatFloat64 } from '../../src/io/csv-types.js';
import { seededRandom } from '../../src/models/random.js';


/** Decimal texts of every shape near the rule's edges: 1-18 digits, leading and trailing zeros, signs. */
function texts(count: number, seed: number): string[] {
  const next = seededRandom(seed);
  const digit = () => String(Math.floor(next() * 10));
  const run = (len: number) => Array.from({ length: len }, digit).join('');
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const sign = next() < 0.3 ? '-' : next() < 0.05 ? '+' : '';
    const int = next() < 0.3 ? '0' : run(1 + Math.floor(next() * 18));
    const zeros = '0'.repeat(Math.floor(next() * 8));
    const frac = next() < 0.3 ? '' : `.${zeros}${run(Math.floor(next() * 18))}`;
    out.push(`${sign}${int}${frac}`);
  }
  return out;
}

describe('isCanonicalDecimal', () => {
  it('accepts a text only when String(Number(text)) writes it back unchanged (200,000 generated texts)', () => {
    let accepted = 0;
    for (const text of texts(200_000, 7)) {
      if (!isCanonicalDecimal(text)) continue;
      accepted++;
      expect(formatFloat64(Number(text)), text).toBe(text);
    }
    // The generator reaches both sides of the rule.
    expect(accepted).toBeGreaterThan(20_000);
  });

  it('accepts the shortest round-trip text of rounded values, the common case of CSV exports', () => {
    const next = seededRandom(3);
    let accepted = 0;
    const n = 10_000;
    for (let k = 0; k < n; k++) {
      const x = Math.round((next() - 0.5) * 10 ** Math.floor(next() * 6) * 1000) / 1000;
      if (isCanonicalDecimal(formatFloat64(x))) accepted++;
    }
    expect(accepted / n).toBeGreaterThan(0.99);
  });

  it('leaves edge spellings to the exact path: exponents, padding, signs, long digit runs, tiny values', () => {
    for (const text of ['1e3', '1.50', '2.', '.5', '+5', ' 5', '007', '00', '-', '', 'NaN', 'Infinity', '1234567890123456', '0.0000001', '0.1234567890123456', '1,5']) {
      expect(isCanonicalDecimal(text), text).toBe(false);
    }
    for (const text of ['0', '-0', '5', '-12.5', '0.000001', '123456789012345', '0.5']) {
      expect(isCanonicalDecimal(text), text).toBe(true);
      expect(formatFloat64(Number(text))).toBe(text);
    }
  });
});

describe('canonicalDecimalValue', () => {
  it('gives Number(text) exactly (same float64, sign of zero kept) for every text it accepts (200,000 generated texts)', () => {
    let accepted = 0;
    for (const text of texts(200_000, 11)) {
      const x = canonicalDecimalValue(text, 0, text.length);
      if (Number.isNaN(x)) continue;
      accepted++;
      expect(Object.is(x, Number(text)), text).toBe(true);
      expect(formatFloat64(x)).toBe(text);
    }
    expect(accepted).toBeGreaterThan(20_000);
  });

  it('reads the field between start and end of a longer line, without the neighbouring characters', () => {
    const line = '12.5,-0,0.000001,x,123456789012345,0.1234567890123456';
    const fields = line.split(',');
    let start = 0;
    for (const field of fields) {
      const x = canonicalDecimalValue(line, start, start + field.length);
      if (isCanonicalDecimal(field)) expect(Object.is(x, Number(field)), field).toBe(true);
      else expect(x, field).toBeNaN();
      start += field.length + 1;
    }
    expect(canonicalDecimalValue(line, 0, 0)).toBeNaN();
  });
});
