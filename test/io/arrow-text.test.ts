import { DateDay, Decimal, Float64, Int32, makeData, makeVector, TimeUnit, Timestamp, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { formatDateMs, formatDecimal, formatTimestamp, temporalFormatter } from '../../src/io/arrow-text.js';

/** 2026-01-01T00:00:00Z in seconds since the epoch (independent: 56 years of 365 days + 14 leap days). */
const NEW_YEAR_2026 = (56 * 365 + 14) * 86_400;

describe('formatTimestamp', () => {
  it('writes ISO 8601 in UTC with as many fraction digits as the unit has', () => {
    expect(formatTimestamp(BigInt(NEW_YEAR_2026), TimeUnit.SECOND)).toBe('2026-01-01T00:00:00Z');
    expect(formatTimestamp(BigInt(NEW_YEAR_2026) * 1000n + 7n, TimeUnit.MILLISECOND)).toBe('2026-01-01T00:00:00.007Z');
    expect(formatTimestamp(BigInt(NEW_YEAR_2026) * 1_000_000n + 120n, TimeUnit.MICROSECOND)).toBe('2026-01-01T00:00:00.000120Z');
    expect(formatTimestamp(BigInt(NEW_YEAR_2026) * 1_000_000_000n + 123_456_789n, TimeUnit.NANOSECOND)).toBe('2026-01-01T00:00:00.123456789Z');
  });

  it('floors instants before the epoch: the fraction stays non-negative', () => {
    expect(formatTimestamp(-1n, TimeUnit.MICROSECOND)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatTimestamp(-1000n, TimeUnit.MILLISECOND)).toBe('1969-12-31T23:59:59.000Z');
    expect(formatTimestamp(-1n, TimeUnit.SECOND)).toBe('1969-12-31T23:59:59Z');
  });
});

describe('formatDateMs', () => {
  it('is YYYY-MM-DD at midnight and keeps the time otherwise', () => {
    expect(formatDateMs(0)).toBe('1970-01-01');
    expect(formatDateMs(2 * 86_400_000)).toBe('1970-01-03');
    expect(formatDateMs(2 * 86_400_000 + 1500)).toBe('1970-01-03T00:00:01.500Z');
    expect(formatDateMs(-86_400_000)).toBe('1969-12-31');
  });
});

describe('formatDecimal', () => {
  it('places the point by the scale, exactly, with leading zeros and the sign kept', () => {
    expect(formatDecimal('12345', 2)).toBe('123.45');
    expect(formatDecimal('-5', 3)).toBe('-0.005');
    expect(formatDecimal('5', 1)).toBe('0.5');
    expect(formatDecimal('123456789012345678901234567890', 10)).toBe('12345678901234567890.1234567890');
  });
  it('scale 0 is the integer; a negative scale appends zeros (but 0 stays 0)', () => {
    expect(formatDecimal('7', 0)).toBe('7');
    expect(formatDecimal('-12', -2)).toBe('-1200');
    expect(formatDecimal('0', -3)).toBe('0');
  });
});

describe('temporalFormatter', () => {
  it('formats timestamps from their raw units (finer than ms), nulls as null', () => {
    const values = new BigInt64Array([BigInt(NEW_YEAR_2026) * 1_000_000_000n + 1n, 0n]);
    const nullBitmap = new Uint8Array([0b01]);
    const column = makeVector(makeData({ type: new Timestamp(TimeUnit.NANOSECOND, 'Europe/Paris'), length: 2, nullCount: 1, nullBitmap, data: values }));
    const f = temporalFormatter(column)!;
    expect(f(0)).toBe('2026-01-01T00:00:00.000000001Z');
    expect(f(1)).toBeNull();
  });

  it('formats dates and decimals, and is undefined for other types', () => {
    const days = makeVector(makeData({ type: new DateDay(), length: 2, nullCount: 0, data: new Int32Array([0, 20454]) }));
    const dates = temporalFormatter(days)!;
    expect([dates(0), dates(1)]).toEqual(['1970-01-01', '2026-01-01']);
    // 12345 at scale 2, as Arrow stores a decimal128: four little-endian 32-bit words.
    const decimal = makeVector(makeData({ type: new Decimal(2, 10, 128), length: 1, nullCount: 0, data: new Uint32Array([12345, 0, 0, 0]) }));
    expect(temporalFormatter(decimal)!(0)).toBe('123.45');
    expect(temporalFormatter(vectorFromArray([1.5], new Float64()))).toBeUndefined();
    expect(temporalFormatter(vectorFromArray(['a'], new Utf8()))).toBeUndefined();
    expect(temporalFormatter(vectorFromArray([1], new Int32()))).toBeUndefined();
  });
});
