import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { STDIO } from './output-target.js';

/** A source's input: a file opened for reading, or standard input for `-`. */
export interface InputFile {
  /** The open file, for random access (Arrow IPC files, Parquet); undefined for standard input. */
  readonly handle?: FileHandle;
  /** The whole input as a byte stream (created once; a second call returns the same stream). */
  stream(highWaterMark: number): Readable;
  /** Reads everything left into memory (for formats read by offset when the input is a pipe). */
  readAll(): Promise<Buffer>;
  /** Releases the file (standard input is only unpiped and paused: the process owns it). */
  close(): Promise<void>;
}

/**
 * Opens `file` (absolute), or standard input for `-`. Standard input is read through `process.stdin`,
 * which works for a terminal, a pipe, a socket (what Node's `spawn` gives a child) and a redirected file
 * alike; opening `/dev/stdin` by path fails on sockets. File-system errors propagate as they are.
 */
export async function openInput(file: string): Promise<InputFile> {
  if (file === STDIO) {
    const stdin = process.stdin;
    return {
      stream: () => stdin,
      readAll: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
        return Buffer.concat(chunks);
      },
      close: async () => {
        stdin.pause();
      },
    };
  }
  const handle = await open(file, 'r');
  let stream: Readable | undefined;
  return {
    handle,
    stream: (highWaterMark) => (stream ??= handle.createReadStream({ highWaterMark })),
    readAll: () => handle.readFile(),
    close: async () => {
      stream?.destroy();
      await handle.close();
    },
  };
}
