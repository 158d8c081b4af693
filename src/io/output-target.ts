import { fstatSync, type Stats } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** The path spelling for standard input (sources) and standard output (sinks). */
export const STDIO = '-';

/** `p` resolved against `baseDir`, except `-` (stdin/stdout), which stays `-`. */
export function resolveFilePath(baseDir: string, p: string): string {
  return p === STDIO ? STDIO : path.resolve(baseDir, p);
}

/**
 * How a sink writes its final path:
 * - `stdout`: to the process's standard output (`-`, or a path naming the same file as fd 1, such as
 *   `/dev/stdout`), without closing it;
 * - `direct`: opened and written in place, because it is not a regular file (a character or block device,
 *   a FIFO, a socket, or a symlink that leads to one or into `/proc`): renaming over it would replace the
 *   special file by a regular one;
 * - `replace`: written to a temp file beside `path` and renamed over it. For a symlink `path` is where the
 *   link chain ends, so the link itself is never replaced and its target gets the new content.
 */
export type OutputTarget = { kind: 'stdout' } | { kind: 'direct'; path: string } | { kind: 'replace'; path: string };

/** Symlink hops followed before giving up, as the kernel does (ELOOP at 40). */
const MAX_HOPS = 40;

/** Decides how to write `finalPath` (absolute, or `-`); see {@link OutputTarget}. */
export async function outputTarget(finalPath: string): Promise<OutputTarget> {
  if (finalPath === STDIO) return { kind: 'stdout' };
  let current = finalPath;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let st: Stats;
    try {
      st = await lstat(current);
    } catch {
      // Absent (or a dangling link's target): a new file, created at the end of the chain.
      return { kind: 'replace', path: current };
    }
    if (st.isSymbolicLink()) {
      // /proc/<pid>/fd/<n> are magic links (to pipes, terminals, deleted files): never resolve them by text.
      if (isUnder(current, '/proc')) return direct(finalPath);
      current = path.resolve(await realpath(path.dirname(current)), await readlink(current));
      continue;
    }
    if (st.isFile() || st.isDirectory()) {
      // A regular file that is our own stdout (`> out.csv` plus `-o /dev/stdout`) is written through fd 1.
      return isStdoutFile(st) ? { kind: 'stdout' } : { kind: 'replace', path: current };
    }
    return direct(finalPath);
  }
  return { kind: 'replace', path: current }; // a link loop: the open of the temp file reports ELOOP
}

async function direct(finalPath: string): Promise<OutputTarget> {
  try {
    if (isStdoutFile(await stat(finalPath))) return { kind: 'stdout' };
  } catch {
    // Not stat-able through the link: write it directly and let the open report why.
  }
  return { kind: 'direct', path: finalPath };
}

/** Whether `st` is the file behind this process's fd 1 (same device and inode). */
export function isStdoutFile(st: Stats): boolean {
  try {
    const out = fstatSync(1);
    return out.dev === st.dev && out.ino === st.ino;
  } catch {
    return false;
  }
}

function isUnder(p: string, root: string): boolean {
  return p === root || p.startsWith(`${root}/`);
}
