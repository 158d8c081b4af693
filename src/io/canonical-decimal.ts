/**
 * True when `text` is certainly what `String(Number(text))` gives back, decided from the characters alone,
 * without formatting the number (the dearest step of reading a float column: it ran once per cell).
 * False means "not decided here", never "not canonical": callers then take the exact, slower path.
 *
 * Accepted: `-?` then `0` or a digit run without a leading zero, then optionally `.` and a fraction that
 * does not end in `0`; at most 15 significant digits, and for `0.xxx` at most 5 zeros before the first
 * significant digit. Why that is exact: distinct decimals of at most 15 significant digits round to
 * distinct float64 values (15 = DBL_DIG), so the shortest decimal that reads back as the value has the
 * text's own digits; and ECMAScript's Number::toString writes values from 1e-6 up to below 1e21 in plain
 * positional notation (no exponent), with no trailing fraction zeros, exactly the accepted shape. `-0` is
 * accepted: formatFloat64 writes negative zero as `-0`.
 */
export function isCanonicalDecimal(text: string): boolean {
  return !Number.isNaN(canonicalDecimalValue(text, 0, text.length));
}

/** 10^k for k = 0..22, each exact in float64 (10^22 is the largest power of ten that is). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * `Number(text.slice(start, end))` when that text is a canonical decimal (see {@link isCanonicalDecimal}),
 * else NaN (no canonical decimal reads as NaN), computed from the characters without making the substring:
 * the per-cell string and its parse were most of a float column's read time.
 *
 * Why the arithmetic is exact: at most 15 significant digits make an integer mantissa below 10^15 < 2^53,
 * exact in float64; the fraction has at most 20 digits (5 leading zeros + 15), and 10^20 is exact too; one
 * IEEE division of two exact operands is correctly rounded, which is what Number() returns for the decimal.
 */
export function canonicalDecimalValue(text: string, start: number, end: number): number {
  let i = start;
  const isNegative = i < end && text.charCodeAt(i) === 45; /* - */
  if (isNegative) i++;
  if (i >= end) return Number.NaN;
  let digits = 0; // significant digits
  let mantissa = 0;
  const first = text.charCodeAt(i);
  if (first === 48 /* 0 */) {
    i++;
  } else {
    for (; i < end; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
    }
    if (digits === 0) return Number.NaN;
  }
  if (i === end) {
    if (digits > 15) return Number.NaN;
    return isNegative ? -mantissa : mantissa;
  }
  if (text.charCodeAt(i) !== 46 /* . */) return Number.NaN;
  i++;
  const fractionStart = i;
  let leadingZeros = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    if (d === 0 && digits === 0) leadingZeros++;
    else digits++;
    mantissa = mantissa * 10 + d;
  }
  // A bare or zero-ending fraction (`1.`, `1.50`, `0.0`) is respelled, not canonical.
  if (i === fractionStart || text.charCodeAt(end - 1) === 48) return Number.NaN;
  if (digits > 15 || (first === 48 && leadingZeros > 5)) return Number.NaN;
  const x = mantissa / POWERS_OF_TEN[end - fractionStart];
  return isNegative ? -x : x;
}
