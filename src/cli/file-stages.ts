import path from 'node:path';
import { SpecError } from '../errors.js';

/** File formats the CLI reads and writes, chosen by extension or `--format`. */
export type FileFormat = 'csv' | 'arrow' | 'arrows' | 'parquet';

const EXTENSIONS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrows',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/**
 * The format of `file` from `explicit` or its extension; a clear error when neither tells. `-` (standard
 * input or output) has no extension, so it needs `explicit`.
 */
export function formatOf(file: string, explicit?: string, option = '--format'): FileFormat {
  if (explicit) {
    if (!['csv', 'arrow', 'arrows', 'parquet'].includes(explicit)) {
      throw new SpecError(`unknown format "${explicit}"; use csv, arrow (IPC file), arrows (IPC stream) or parquet`, { file: '<cli>', line: 0, column: 0, path: option });
    }
    return explicit as FileFormat;
  }
  if (file === '-') {
    throw new SpecError(`"-" (standard input/output) has no extension to tell its format; pass ${option} csv, arrow, arrows or parquet`, {
      file: '<cli>',
      line: 0,
      column: 0,
      path: option,
    });
  }
  const format = EXTENSIONS[path.extname(file).toLowerCase()];
  if (!format) {
    throw new SpecError(
      `cannot tell the format of "${file}" from its extension; use .csv, .arrow, .arrows or .parquet, or pass ${option}`,
      { file: '<cli>', line: 0, column: 0, path: option },
    );
  }
  return format;
}

/** The CSV delimiter: the one given, else a tab for `.tsv` files, else the connector's default. */
function delimiterFor(file: string, delimiter?: string): Record<string, string> {
  if (delimiter !== undefined) return { delimiter };
  return path.extname(file).toLowerCase() === '.tsv' ? { delimiter: '\t' } : {};
}

/** A pipeline `source` entry reading `file`. */
export function sourceEntry(file: string, format: FileFormat, batchRows?: number, delimiter?: string): Record<string, unknown> {
  const rows = batchRows !== undefined ? { batchRows } : {};
  switch (format) {
    case 'csv':
      return { type: 'csv-source', path: file, ...delimiterFor(file, delimiter), ...rows };
    case 'arrow':
    case 'arrows':
      return { type: 'ipc-source', path: file, ...rows };
    case 'parquet':
      return { type: 'parquet-source', path: file, ...rows };
  }
}

/** A pipeline `sink` entry writing `file`. */
export function sinkEntry(file: string, format: FileFormat, delimiter?: string): Record<string, unknown> {
  switch (format) {
    case 'csv':
      return { type: 'csv-sink', path: file, ...delimiterFor(file, delimiter) };
    case 'arrow':
      return { type: 'ipc-sink', path: file, format: 'file' };
    case 'arrows':
      return { type: 'ipc-sink', path: file, format: 'stream' };
    case 'parquet':
      return { type: 'parquet-sink', path: file };
  }
}
