import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { Field, RecordBatch, Schema, Struct, makeData, type Data } from 'apache-arrow';
import { CsvError, parse, type Options } from 'csv-parse';
import { z } from 'zod';
import { DataError, LatentflowError } from '../errors.js';
import { sourceMetadata } from '../io/batch-meta.js';
import { Closers } from '../io/closers.js';
import { CSV_COLUMN_TYPES, EXPECTED_TEXT, arrowTypeOf, buildColumn, inferColumnType, type CsvColumnType, type CsvReadType } from '../io/csv-types.js';
import { numericTextField } from '../io/numeric-field.js';
import { utf8Check } from '../io/utf8-check.js';
import { csvRecordGroups } from '../io/csv-records.js';
import { FloatColumnBuffer } from '../io/float-column-buffer.js';
import { fileError, isFsError } from '../io/file-error.js';
import { openInput, type InputFile } from '../io/input-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { nameRecord } from '../contract/name-record.js';
import { defineStage, type Source, type StageContext } from '../contract/stage.js';
import { closableSource } from './closable.js';

const TYPE = 'csv-source';

/** Parameters of {@link csvSource}. */
const params = z
  .object({
    /** CSV file to read. */
    path: z.string().min(1).describe('CSV file to read (- for stdin); a relative path resolves against the pipeline file folder'),
    /** Field separator, default `,`. */
    delimiter: z.string().min(1).default(',').describe('Field separator (one or more characters), e.g. "," or "\\t"'),
    /** Whether the first record names the columns, default true. */
    hasHeader: z.boolean().default(true).describe('First record holds the column names; without a header columns are named c0..cN'),
    /** Quote character, default `"`. */
    quote: z.string().length(1).default('"').describe('Quote character around values holding the delimiter, quotes (doubled) or newlines'),
    /** Declared types by column name; undeclared columns are inferred. */
    columns: nameRecord(z.enum(CSV_COLUMN_TYPES))
      .optional()
      .describe('Column types by name (float64|float32|int32|int64|bool|string); undeclared columns are inferred (float64 or string)'),
    /** Rows used to infer the types of undeclared columns, default 1000, at least 1. */
    inferRows: z.number().int().positive().default(1000).describe('Rows read to infer undeclared column types (rows); later values must fit the inferred type'),
    /** Cell texts read as null. */
    nullValues: z.array(z.string()).default(['', 'NA', 'null']).describe('Cell texts read as null (for non-string columns also after trimming spaces)'),
    /** Rows per output batch, default 8192. */
    batchRows: z.number().int().positive().default(8192).describe('Rows per output batch (rows); the last batch may be shorter'),
  })
  .strict();

/** Validated params of `csv-source`. */
export type CsvSourceParams = z.output<typeof params>;

/**
 * Streams a CSV file into record batches: records split from a read stream (natively while no quote has
 * appeared, then by csv-parse; see {@link csvRecordGroups}), so memory holds one batch (plus the inference
 * window), never the file. After the inference window, float columns of unquoted lines are parsed from the
 * line's text straight into the batch's typed arrays (see {@link FloatColumnBuffer}). Undeclared columns are float64 when every non-null value in the first
 * `inferRows` rows is a number written as float64 writes it back (integers too, so nothing is truncated;
 * also when every value there is null, with a warning); numeric text (Utf8 holding the exact text, field
 * metadata `latentflow.numeric: text`, still numeric for features) when every value is a number but some
 * are written otherwise (`00017`, `1.50`, 20-digit ids), so ids pass through unchanged; otherwise Utf8
 * strings. After the window, a cell of an inferred float64 column that float64 would change (`007`, too
 * many digits) is a DataError; one only spelled otherwise (`2.0`, `1e3`) keeps its value and is counted
 * (one warning, `respelledCells` in the run summary). Invalid UTF-8 is a DataError with line and byte
 * offset. Column names are taken verbatim (an empty one becomes c<i>; duplicates are a DataError). A later value that does not fit, a record with the wrong
 * number of fields or malformed quoting is a DataError naming the file, the 1-based line where the record
 * starts and, for a value, the column, expected type and received text.
 *
 * Blank lines are skipped, except in a one-column file, where a blank line is a null value (that is how
 * csv-sink writes one). An empty string and a null are the same in CSV: both read as null (with the
 * default `nullValues`).
 *
 * Each batch carries source metadata (file, first row, and the line of each row: `firstLine` when rows are
 * one line each and consecutive, otherwise `lines`), so later stages can report lines too. A file with a
 * header but no rows yields one zero-row batch, so sinks still see the columns; an empty file yields none.
 */
export const csvSource = defineStage({
  type: TYPE,
  kind: 'source',
  description: 'Reads a CSV file as a stream of batches (types inferred from the first rows, or declared)',
  params,
  create(p, ctx): Source {
    const counts: ReadCounts = { respelledCells: 0 };
    // The runner reads `stats` from any stage that has it (the run summary's respelled-cell count).
    return Object.assign(closableSource(({ closers, isClosed }) => readCsv(p, ctx, closers, isClosed, counts)), { stats: () => ({ ...counts }) });
  },
});

/** Counters of one read, for the run summary. */
interface ReadCounts {
  /** Cells of inferred float64 columns written otherwise than float64 writes them back (`2.0`, `1e3`). */
  respelledCells: number;
}

/** A parsed record with the 1-based file line it starts on. */
interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Gives each record the file line it starts on: the line after the previous record ended, spanning one more
 * line per newline inside its values. (csv-parse's own `info.lines` counts a CRLF inside a quoted value
 * twice, and asking for it per record costs as much as the parsing.) Blank lines reach here as records
 * with one empty field, so every line is counted.
 */
class LineCounter {
  /** The line the next record starts on. */
  next = 1;

  take(fields: readonly string[]): number {
    const line = this.next;
    let breaks = 0;
    for (const f of fields) {
      for (let at = f.indexOf('\n'); at !== -1; at = f.indexOf('\n', at + 1)) breaks++;
    }
    this.next = line + 1 + breaks;
    return line;
  }
}

/** A blank line, as csv-parse returns it without skip_empty_lines. */
function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && fields[0] === '';
}

/** csv-parse options shared by the read ({@link csvRecordGroups}, which must agree with them) and by {@link locateParseError}. */
function parserOptions(p: CsvSourceParams): Options {
  return {
    delimiter: p.delimiter,
    quote: p.quote,
    bom: true,
    // Blank lines and field counts are handled by the reader, which knows each record's line.
    skip_empty_lines: false,
    relax_column_count: true,
    // Mixed line endings happen (concatenated files); CRLF first so it is one delimiter, not two.
    record_delimiter: ['\r\n', '\n', '\r'],
  };
}

async function* readCsv(p: CsvSourceParams, ctx: StageContext, closers: Closers, isClosed: () => boolean, counts: ReadCounts): AsyncGenerator<RecordBatch> {
  if (isClosed()) return;
  const file = resolveFilePath(ctx.baseDir, p.path);
  let source: InputFile;
  try {
    source = await openInput(file);
  } catch (err) {
    throw fileError(TYPE, file, 'open', err);
  }
  const input = source.stream(1 << 16);
  // Invalid UTF-8 is an error naming the byte, not text silently replaced by U+FFFD.
  const checked = utf8Check(TYPE, file);
  // Errors of any stream surface through the records' iterator; the callback only silences them here.
  pipeline(input, checked, () => undefined);
  const release = closers.add(async () => {
    checked.destroy();
    input.destroy();
    await source.close();
  });
  const lines = new LineCounter();

  const nulls = new Set(p.nullValues);
  const declared: ReadonlyMap<string, CsvColumnType> = p.columns ?? new Map();
  let names: string[] | undefined;
  let builder: BatchBuilder | undefined;
  let window: CsvRecord[] = [];
  let yielded = false;
  // Whether csv-parse has taken over (a quote appeared): from then on every record arrives split.
  let isParsed = false;

  const start = (first: CsvRecord): string[] => {
    const found = p.hasHeader ? headerNames(file, first) : first.fields.map((_, i) => `c${i}`);
    for (const name of declared.keys()) {
      if (!found.includes(name)) {
        throw new DataError(`${TYPE}: column "${name}" declared in \`columns\` is not in the file; the file has: ${found.join(', ')}`, {
          file,
          column: name,
        });
      }
    }
    return found;
  };
  const typesFrom = (rows: readonly CsvRecord[], names: string[]): CsvReadType[] => {
    const isNull = (cell: string) => nulls.has(cell) || nulls.has(cell.trim());
    const types = names.map((name, c) => declared.get(name) ?? inferColumnType(rows.map((r) => r.fields[c]), isNull));
    const empty = names.filter((name, c) => !declared.has(name) && rows.every((r) => isNull(r.fields[c])));
    if (empty.length > 0 && rows.length > 0) {
      ctx.logger.warn(
        { file, columns: empty, inferRows: p.inferRows },
        `${TYPE}: columns with no value in the first ${rows.length} rows are read as float64; declare their type in \`columns\` if they hold text`,
      );
    }
    return types;
  };

  // Full batches wait here until yielded; more than one only right after the inference window closes.
  const ready: RecordBatch[] = [];
  const add = (b: BatchBuilder, record: CsvRecord): void => {
    b.push(record);
    if (b.rows === p.batchRows) ready.push(b.flush());
  };
  const fixTypes = (names: string[]): BatchBuilder => {
    const b = new BatchBuilder(file, names, typesFrom(window, names), nulls, declared, p, counts, !isParsed);
    for (const r of window) add(b, r);
    window = [];
    return b;
  };

  try {
    const groups = csvRecordGroups(checked, { parser: parserOptions(p), delimiter: p.delimiter, quote: p.quote });
    for await (const group of groups) {
      const isLines = 'lines' in group;
      isParsed ||= !isLines;
      const count = isLines ? group.lines.length : group.records.length;
      for (let k = 0; k < count; k++) {
        if (ctx.signal.aborted) ctx.signal.throwIfAborted();
        let fields: string[];
        if (isLines) {
          const text = group.lines[k];
          // Once the types are fixed, a line with the right number of fields goes straight into the batch;
          // any other (blank, too few or too many fields) takes the general path below, which knows what to do.
          if (builder?.pushLine(text, lines.next) === true) {
            lines.next++; // an unquoted line holds no line break
            if (builder.rows === p.batchRows) {
              yielded = true;
              yield builder.flush();
              if (isClosed()) return;
            }
            continue;
          }
          fields = text.split(p.delimiter);
        } else fields = group.records[k];
        const line = lines.take(fields);
        if (names === undefined) {
          if (isBlank(fields)) continue; // blank lines before the first record
          names = start({ fields, line });
          if (p.hasHeader) continue;
        }
        if (fields.length !== names.length) {
          // A blank line is skipped, except in a one-column file, where it is an empty (null) value.
          if (isBlank(fields)) continue;
          throw wrongFieldCount(file, line, names.length, fields.length, p.delimiter);
        }
        const record = { fields, line };
        if (builder !== undefined) add(builder, record);
        else {
          window.push(record);
          if (window.length >= p.inferRows) builder = fixTypes(names);
        }
        while (ready.length > 0) {
          yielded = true;
          yield ready.shift()!;
          if (isClosed()) return;
        }
      }
    }
    if (names === undefined) return; // an empty file: no columns, nothing to yield
    builder ??= fixTypes(names);
    // The rest, or a zero-row batch with the columns when the file has none.
    if (builder.rows > 0 || (!yielded && ready.length === 0)) ready.push(builder.flush());
    for (const batch of ready.splice(0)) {
      yield batch;
      if (isClosed()) return;
    }
    const first = builder.firstRespelled;
    if (first !== undefined) {
      ctx.logger.warn(
        { file, respelledCells: counts.respelledCells, firstLine: first.line, firstColumn: first.column, firstText: first.text },
        `${TYPE}: ${counts.respelledCells} cells of columns inferred as float64 are numbers written otherwise than they will be written out (first: line ${first.line}, column ${JSON.stringify(first.column)}, ${JSON.stringify(first.text)}); the values are kept. To keep the text, declare the column as string in \`columns\` or raise \`inferRows\``,
      );
    }
    ctx.logger.debug({ file, rows: builder.rowsEmitted }, `${TYPE}: read ${file}`);
  } catch (err) {
    if (isClosed() && !(err instanceof LatentflowError)) return;
    if (err instanceof LatentflowError || ctx.signal.aborted) throw err;
    if (isFsError(err)) throw fileError(TYPE, file, 'read', err);
    if (err instanceof CsvError) throw await parseError(err, file, p);
    throw err;
  } finally {
    await release();
  }
}

function wrongFieldCount(file: string, line: number, expected: number, received: number, delimiter: string): DataError {
  return new DataError(`${TYPE}: record has the wrong number of fields; quote values that contain ${JSON.stringify(delimiter)} or fix the missing/extra fields`, {
    file,
    line,
    expected: `${expected} fields`,
    received: `${received} fields`,
  });
}

/**
 * Column names from the header record, verbatim (any text is a name: `constructor`, unicode, quotes,
 * commas, newlines). An empty (or all-space) name becomes `c<i>`, its 0-based position, as without a
 * header. Two equal names (also a generated `c<i>` equal to a name in the file) are a DataError naming the
 * name and both 1-based positions.
 */
function headerNames(file: string, header: CsvRecord): string[] {
  const names = header.fields.map((f, i) => (f.trim() === '' ? `c${i}` : f));
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const before = seen.get(name);
    if (before !== undefined) {
      const generated = [before, i].filter((k) => header.fields[k].trim() === '').map((k) => ` (column ${k + 1} has an empty name, read as c${k})`).join('');
      throw new DataError(`${TYPE}: duplicate column name ${JSON.stringify(name)} in the header at columns ${before + 1} and ${i + 1}${generated}; rename one of them`, {
        file,
        line: header.line,
        column: name,
        expected: 'unique column names',
        received: JSON.stringify(header.fields),
      });
    }
    seen.set(name, i);
  });
  return names;
}

/**
 * Where a csv-parse error happened: the file is parsed again up to the same error with a parser-side line
 * counter. (The reading parser runs ahead of the records the reader has seen, and its buffered records
 * are dropped when it fails, so the reader cannot tell the line itself; this costs a second read of the
 * file up to the error, on the error path only.)
 */
async function locateParseError(file: string, p: CsvSourceParams, original: CsvError): Promise<{ line: number; fields: readonly string[] | undefined } | undefined> {
  const lines = new LineCounter();
  let first: string[] | undefined;
  const parser = parse({
    ...parserOptions(p),
    on_record: (fields: string[]) => {
      first ??= isBlank(fields) ? undefined : fields;
      lines.take(fields);
      return null; // nothing to keep
    },
  });
  const input = createReadStream(file, { highWaterMark: 1 << 16 });
  pipeline(input, parser, () => undefined);
  try {
    for await (const _ of parser) {
      // on_record returns null for every record, so nothing arrives here.
    }
  } catch (err) {
    if (err instanceof CsvError && err.code === original.code) return { line: lines.next, fields: first };
  } finally {
    parser.destroy();
    input.destroy();
  }
  return undefined;
}

/** A csv-parse failure as a DataError naming the line where the failing record starts (and the column). */
async function parseError(err: CsvError, file: string, p: CsvSourceParams): Promise<DataError> {
  const located = await locateParseError(file, p, err).catch(() => undefined);
  // If the file changed under us, fall back to the parser's own count (approximate: see LineCounter).
  const line = located?.line ?? (err as CsvError & { lines?: number }).lines;
  const index = (err as CsvError & { column?: unknown }).column;
  const first = located?.fields;
  const names = first === undefined ? undefined : p.hasHeader ? first.map((f, i) => (f.trim() === '' ? `c${i}` : f)) : first.map((_, i) => `c${i}`);
  const column = typeof index === 'number' && names !== undefined ? names[index] : undefined;
  const where = { file, ...(line !== undefined ? { line } : {}) };
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(`${TYPE}: a quoted value opened in the record starting here is never closed; close the quote, and double quotes inside quoted values ("")`, where, { cause: err });
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new DataError(
        `${TYPE}: malformed quoting in the record starting here (${err.message}); quote the whole value and double quotes inside it ("")`,
        { ...where, ...(column !== undefined ? { column } : {}) },
        { cause: err },
      );
    default:
      return new DataError(`${TYPE}: cannot parse the record starting here: ${err.message}`, where, { cause: err });
  }
}

/**
 * Collects up to `batchRows` records and turns them into one typed batch: float columns straight into their
 * typed arrays, the other columns as cell texts typed at the end.
 */
class BatchBuilder {
  private cells: string[][];
  /** Per column, its typed buffer (float columns) or undefined (the column collects texts in `cells`). */
  private readonly floats: (FloatColumnBuffer | undefined)[];
  private lines: number[] = [];
  private readonly fields: Field[];
  private readonly inferRows: number;
  private readonly delimiter: string;
  /** Rows already emitted in earlier batches (the next batch's `firstRow`). */
  rowsEmitted = 0;

  constructor(
    private readonly file: string,
    private readonly names: string[],
    private readonly types: CsvReadType[],
    private readonly nulls: ReadonlySet<string>,
    private readonly declared: ReadonlyMap<string, CsvColumnType>,
    p: Pick<CsvSourceParams, 'inferRows' | 'batchRows' | 'delimiter'>,
    private readonly counts: ReadCounts,
    /** Whether float columns use typed buffers: they pay off when lines come unsplit (no quote seen yet). */
    isTyped: boolean,
  ) {
    this.inferRows = p.inferRows;
    this.delimiter = p.delimiter;
    this.cells = names.map(() => []);
    isTyped &&= FloatColumnBuffer.isUsable(nulls);
    this.floats = types.map((type) => (isTyped && (type === 'float64' || type === 'float32') ? new FloatColumnBuffer(type, p.batchRows) : undefined));
    this.fields = names.map((name, c) => (types[c] === 'numeric-text' ? numericTextField(name) : new Field(name, arrowTypeOf(types[c]), true)));
  }

  /** The first respelled cell of an inferred float64 column (see {@link numberSpelling}), for the warning. */
  firstRespelled: { line: number; column: string; text: string } | undefined;

  get rows(): number {
    return this.lines.length;
  }

  push(record: CsvRecord): void {
    const { fields } = record;
    const row = this.lines.length;
    for (let c = 0; c < this.cells.length; c++) {
      const typed = this.floats[c];
      if (typed !== undefined) typed.set(row, fields[c], 0, fields[c].length);
      else this.cells[c].push(fields[c]);
    }
    this.lines.push(record.line);
  }

  /**
   * Adds the record that unquoted `text` (one file line, `line`) is, its fields found in place; false, and
   * nothing added, when the line does not have one field per column (the caller then splits it).
   */
  pushLine(text: string, line: number): boolean {
    const { delimiter, floats, cells } = this;
    const n = cells.length;
    const row = this.lines.length;
    let start = 0;
    for (let c = 0; c < n; c++) {
      const next = text.indexOf(delimiter, start);
      const isLast = c === n - 1;
      if (isLast ? next !== -1 : next === -1) {
        this.truncate(row);
        return false;
      }
      const end = isLast ? text.length : next;
      const typed = floats[c];
      if (typed !== undefined) typed.set(row, text, start, end);
      else cells[c].push(text.slice(start, end));
      start = end + delimiter.length;
    }
    this.lines.push(line);
    return true;
  }

  /** Drops what a rejected line added to the columns (rows from `rows` on). */
  private truncate(rows: number): void {
    for (let c = 0; c < this.cells.length; c++) {
      this.floats[c]?.truncate(rows);
      if (this.cells[c].length > rows) this.cells[c].length = rows;
    }
  }

  flush(): RecordBatch {
    const { lines } = this;
    const n = lines.length;
    const children: Data[] = this.types.map((type, c) => {
      const isInferredFloat = type === 'float64' && !this.declared.has(this.names[c]);
      const respelled = (row: number, text: string, kind: 'respelled' | 'value-changing') => {
        if (kind === 'value-changing') throw this.valueChanging(c, lines[row], text);
        this.counts.respelledCells++;
        this.firstRespelled ??= { line: lines[row], column: this.names[c], text };
      };
      const bad = (row: number, text: string): never => {
        throw this.badValue(c, lines[row], text);
      };
      const typed = this.floats[c];
      if (typed !== undefined) return typed.finish(n, this.nulls, bad, isInferredFloat ? respelled : undefined);
      return buildColumn(type, this.cells[c], this.nulls, bad, isInferredFloat ? respelled : undefined);
    });
    let consecutive = true;
    for (let i = 1; i < n && consecutive; i++) consecutive = lines[i] === lines[0] + i;
    const where =
      n === 0 ? { file: this.file, firstRow: this.rowsEmitted } : consecutive ? { file: this.file, firstRow: this.rowsEmitted, firstLine: lines[0] } : { file: this.file, firstRow: this.rowsEmitted, lines };
    const schema = new Schema(this.fields, sourceMetadata(where));
    this.rowsEmitted += n;
    this.cells = this.names.map(() => []);
    this.lines = [];
    return new RecordBatch(schema, makeData({ type: new Struct(this.fields), length: n, nullCount: 0, children }));
  }

  private badValue(c: number, line: number, text: string): DataError {
    const name = this.names[c];
    const type = this.types[c];
    const advice =
      this.declared.has(name)
        ? `the column is declared as ${type} in \`columns\`; fix the value or declare the column as string in \`columns\``
        : `the column was inferred as ${type} from the first ${this.inferRows} rows; declare the column as string in \`columns\` (columns: { ${JSON.stringify(name)}: string })`;
    return new DataError(`${TYPE}: value does not fit the column type; ${advice}`, {
      file: this.file,
      line,
      column: name,
      expected: EXPECTED_TEXT[type],
      received: JSON.stringify(text),
    });
  }

  /**
   * A number in an inferred float64 column whose identity float64 would change (a leading zero, more
   * digits than float64 keeps): reading on would write another value out than the file holds.
   */
  private valueChanging(c: number, line: number, text: string): DataError {
    const name = this.names[c];
    return new DataError(
      `${TYPE}: the column was inferred as float64 from the first ${this.inferRows} rows, but this value would not survive as float64 (a leading zero or more digits than float64 keeps); declare the column as string in \`columns\` (columns: { ${JSON.stringify(name)}: string }) or raise \`inferRows\` so it is read as numeric text`,
      { file: this.file, line, column: name, expected: 'a number float64 writes back unchanged', received: JSON.stringify(text) },
    );
  }
}
