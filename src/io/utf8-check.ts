import { Transform } from 'node:stream';
import { DataError } from '../errors.js';

/**
 * A pass-through byte stream that fails with a DataError at the first byte that is not valid UTF-8, naming
 * the file, the 1-based line (counted by `\n`) and the 0-based byte offset in the file. Text decoders would
 * replace such bytes with U+FFFD, changing the user's data without a word. Bytes pass on unchanged;
 * a sequence split across chunks is handled (the decoder runs in streaming mode), and a file ending inside
 * a sequence fails at that sequence's first byte. A UTF-8 byte order mark is valid and passes on (the CSV
 * parser strips it).
 */
export function utf8Check(connector: string, file: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let offset = 0; // bytes before the current chunk
  let lines = 1; // the line the current chunk starts on
  let tail: Uint8Array = new Uint8Array(0); // bytes of an unfinished sequence at the end of the last chunk
  const fail = (bytes: Uint8Array, base: number, baseLine: number): DataError => {
    const at = firstInvalid(bytes);
    let line = baseLine;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    const shown = Array.from(bytes.subarray(at, Math.min(at + 4, bytes.length)), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return new DataError(`${connector}: the file is not valid UTF-8 at byte offset ${base + at}; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8)`, {
      file,
      line,
      expected: 'UTF-8 text',
      received: `bytes ${shown}`,
    });
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        // The bad sequence may have started in the unfinished tail of the previous chunk.
        // The tail holds no newline (its bytes are all >= 0x80), so it is on the current line.
        done(fail(concat(tail, chunk), offset - tail.length, lines));
        return;
      }
      // Judged on the tail and this chunk together: a chunk of only continuation bytes (a sequence split
      // over three chunks) still belongs to the lead byte kept in the tail.
      const recent = concat(tail, chunk.subarray(Math.max(0, chunk.length - 3)));
      tail = recent.subarray(recent.length - unfinishedLength(recent));
      offset += chunk.length;
      lines += countNewlines(chunk);
      done(null, chunk);
    },
    flush(done) {
      try {
        decoder.decode();
        done();
      } catch {
        done(fail(tail, offset - tail.length, lines));
      }
    },
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) n++;
  return n;
}

/** Bytes at the end of `bytes` that start a multi-byte sequence not yet complete (0 to 3). */
function unfinishedLength(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Index of the first byte of the first invalid UTF-8 sequence in `bytes` (bytes.length when none). */
function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= bytes.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid too.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return bytes.length;
}
