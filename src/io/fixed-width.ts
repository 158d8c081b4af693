import { DataType } from 'apache-arrow';

/**
 * True for Arrow types laid out as `stride` words per value in one values buffer, which exact copies
 * (take, concatenate) move word by word: ints, floats, decimals, dates, times, timestamps, durations,
 * intervals and fixed-size binary. Bools (bits), variable-width and nested types have layouts of their own.
 */
export function isFixedWidth(type: DataType): boolean {
  return (
    DataType.isInt(type) ||
    DataType.isFloat(type) ||
    DataType.isDecimal(type) ||
    DataType.isDate(type) ||
    DataType.isTime(type) ||
    DataType.isTimestamp(type) ||
    DataType.isDuration(type) ||
    DataType.isInterval(type) ||
    DataType.isFixedSizeBinary(type)
  );
}
