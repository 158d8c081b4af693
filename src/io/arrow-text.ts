import { DataType, TimeUnit, type Vector } from 'apache-arrow';

/**
 * Text forms of Arrow temporal and decimal values for text sinks (CSV), exact for every unit:
 * - timestamps as ISO 8601 in UTC with `Z`, with as many fraction digits as the unit has (s: none,
 *   ms: 3, us: 6, ns: 9), e.g. `2026-01-01T00:00:00.000Z`. A timestamp with a time zone is written as the
 *   same instant in UTC (the zone name is not part of the text; Arrow stores the instant in UTC anyway);
 * - date32 / date64 as `YYYY-MM-DD` (a date64 that is not at midnight keeps its time, as a timestamp in ms);
 * - decimals as their exact decimal text (`123.45` for 12345 at scale 2), never through a double.
 */

const PER_SECOND: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1_000_000n,
  [TimeUnit.NANOSECOND]: 1_000_000_000n,
};
const DIGITS: Record<TimeUnit, number> = { [TimeUnit.SECOND]: 0, [TimeUnit.MILLISECOND]: 3, [TimeUnit.MICROSECOND]: 6, [TimeUnit.NANOSECOND]: 9 };
const DAY_MS = 86_400_000;

/** ISO 8601 text (UTC, `Z`) of `value` units since the epoch, with the unit's fraction digits. */
export function formatTimestamp(value: bigint, unit: TimeUnit): string {
  const per = PER_SECOND[unit];
  let seconds = value / per;
  let fraction = value % per;
  if (fraction < 0n) {
    // Floor division: the instant before the epoch still has a non-negative fraction of its second.
    fraction += per;
    seconds -= 1n;
  }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, -5); // drop ".000Z"
  const digits = DIGITS[unit];
  return digits === 0 ? `${whole}Z` : `${whole}.${fraction.toString().padStart(digits, '0')}Z`;
}

/** `YYYY-MM-DD` of a date given in ms since the epoch (the time too when it is not midnight). */
export function formatDateMs(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % DAY_MS === 0 ? iso.slice(0, 10) : iso;
}

/** Exact decimal text of an unscaled integer (`unscaled` as decimal digits, optional `-`) at `scale`. */
export function formatDecimal(unscaled: string, scale: number): string {
  if (scale <= 0) return unscaled === '0' || scale === 0 ? unscaled : `${unscaled}${'0'.repeat(-scale)}`;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/**
 * A formatter for row `i` of a temporal or decimal column (null for a null), or undefined for other types.
 * Values are read raw (bigint units, unscaled digits), not through `get`, which gives timestamps as
 * float64 milliseconds and loses the microseconds and nanoseconds.
 */
export function temporalFormatter(column: Vector): ((i: number) => string | null) | undefined {
  const type = column.type as DataType;
  const isNull = (i: number) => column.nullCount > 0 && !column.isValid(i);
  if (DataType.isTimestamp(type)) {
    const raw = column.toArray() as ArrayLike<bigint | number>;
    return (i) => (isNull(i) ? null : formatTimestamp(BigInt(raw[i]), type.unit));
  }
  if (DataType.isDate(type)) {
    return (i) => (isNull(i) ? null : formatDateMs(Number(column.get(i))));
  }
  if (DataType.isDecimal(type)) {
    return (i) => (isNull(i) ? null : formatDecimal(String(column.get(i)), type.scale));
  }
  return undefined;
}
