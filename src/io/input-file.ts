import { open, type FileHandle } from 'node:fs/promises';
import { STDIO } from './output-target.js';

/**
 * Opens a source's input for reading: a file, or standard input for `-` (through `/dev/stdin`, so a pipe,
 * a terminal or a redirected file all read the same way as a path). The caller owns and closes the handle.
 */
export function openInput(file: string): Promise<FileHandle> {
  return open(file === STDIO ? '/dev/stdin' : file, 'r');
}
