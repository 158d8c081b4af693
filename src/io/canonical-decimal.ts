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
  const n = text.length;
  let i = 0;
  if (n > 0 && text.charCodeAt(0) === 45 /* - */) i = 1;
  if (i >= n) return false;
  let digits = 0; // significant digits
  const first = text.charCodeAt(i);
  if (first === 48 /* 0 */) {
    i++;
  } else {
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch < 48 || ch > 57) break;
      digits++;
    }
    if (digits === 0) return false;
  }
  if (i === n) return digits <= 15;
  if (text.charCodeAt(i) !== 46 /* . */) return false;
  i++;
  const fractionStart = i;
  let leadingZeros = 0;
  for (; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch < 48 || ch > 57) return false;
    if (ch === 48 && digits === 0) leadingZeros++;
    else digits++;
  }
  // A bare or zero-ending fraction (`1.`, `1.50`, `0.0`) is respelled, not canonical.
  if (i === fractionStart || text.charCodeAt(n - 1) === 48) return false;
  return digits <= 15 && (first !== 48 || leadingZeros <= 5);
}
