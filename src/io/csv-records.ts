import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse, type Options } from 'csv-parse';

/** How {@link csvRecordGroups} splits text: the csv-parse options it must agree with, plus their two characters. */
export interface CsvRecordOptions {
  /** csv-parse options for the general path (quotes, CR line ends); `bom` is decided here. */
  parser: Options;
  /** Field separator (one or more characters). */
  delimiter: string;
  /** Quote character. */
  quote: string;
}

/** The record delimiters of csv-source's csv-parse options (LF, CRLF, CR), CRLF first as there. */
const LINE_END = /\r\n|\n|\r/;

/**
 * One group of {@link csvRecordGroups}: lines not split yet (while no quote has appeared, each line is one
 * record whose fields are the line split on the delimiter; a reader that parses fields in place need not
 * make the field strings), or records csv-parse has split.
 */
export type CsvRecordGroup = { lines: string[] } | { records: string[][] };

/**
 * The records of a UTF-8 byte stream, in groups (one group per input chunk, so the consumer awaits once per
 * chunk, not once per record), exactly as csv-parse with `options.parser` returns them (blank lines as
 * `['']`, a trailing newline ending the last record, a leading BOM dropped), except that the lines of the
 * fast path are left unsplit (a `lines` group: split each on the delimiter for its fields).
 *
 * Why two paths: csv-parse walks every byte in JavaScript and copies each field out of a Buffer, which was
 * most of a numeric file's read time. As long as no quote character has appeared, a record is a line (ended
 * by LF, CRLF or CR) and its fields are the line split on the delimiter, which native `split` does many
 * times faster. At the first chunk holding a quote the rest of the input (from the start of the unfinished
 * record) goes to csv-parse for good, so quoting and malformed-quote errors are csv-parse's own. A CsvError's
 * `lines` (and the line in its message) then counts from the switch, so the lines read before it are added.
 */
export async function* csvRecordGroups(bytes: Readable, options: CsvRecordOptions): AsyncGenerator<CsvRecordGroup> {
  const { delimiter, quote } = options;
  // A delimiter holding a line end or the quote could not be split on blindly: csv-parse reads everything.
  const isSplittable = !/[\r\n]/.test(delimiter) && !delimiter.includes(quote);
  const decoder = new StringDecoder('utf8');
  const chunks = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending = ''; // the unfinished last line
  let isStart = true; // nothing decoded yet, so a BOM may still come
  let linesRead = 0;
  for (;;) {
    const next = await chunks.next();
    let text = next.done === true ? decoder.end() : decoder.write(next.value);
    if (!isSplittable || text.includes(quote)) {
      yield* parsed(`${pending}${text}`, next.done === true, chunks, decoder, { ...options.parser, bom: isStart }, linesRead);
      return;
    }
    if (isStart && text.length > 0) {
      isStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let body = `${pending}${text}`;
    // CR and CRLF end records too; a CR at the end of the text is held back, as its LF may come next.
    const hasCr = body.includes('\r');
    const heldCr = hasCr && next.done !== true && body.endsWith('\r');
    if (heldCr) body = body.slice(0, -1);
    const lines = hasCr ? body.split(LINE_END) : body.split('\n');
    pending = heldCr ? `${lines.pop()!}\r` : lines.pop()!;
    if (lines.length > 0) {
      linesRead += lines.length;
      yield { lines };
    }
    if (next.done === true) break;
  }
  if (pending !== '') yield { lines: [pending] };
}

/** The general path: `head`, then the rest of `chunks`, through csv-parse. */
async function* parsed(
  head: string,
  isEnded: boolean,
  chunks: AsyncIterator<Buffer>,
  decoder: StringDecoder,
  options: Options,
  linesBefore: number,
): AsyncGenerator<CsvRecordGroup> {
  async function* texts(): AsyncGenerator<string> {
    // Empty strings are skipped: a non-object stream treats them as no data anyway.
    if (head !== '') yield head;
    if (isEnded) return;
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      const text = decoder.write(next.value);
      if (text !== '') yield text;
    }
    const rest = decoder.end();
    if (rest !== '') yield rest;
  }
  const parser = parse(options);
  // Errors of the byte stream reach the parser's iterator through the pipeline; the callback only silences them.
  pipeline(Readable.from(texts(), { objectMode: false }), parser, () => undefined);
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield { records: [record] };
  } catch (err) {
    // csv-parse counted from where it took over; its count and its message then say the file's line.
    if (err instanceof CsvError && linesBefore > 0) {
      const located = err as CsvError & { lines?: unknown };
      if (typeof located.lines === 'number') located.lines += linesBefore;
      err.message = err.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + linesBefore}`);
    }
    throw err;
  } finally {
    parser.destroy();
  }
}
