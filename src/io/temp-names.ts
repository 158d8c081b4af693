import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Temp names latentflow writes next to a final path: `<final name>.tmp-<pid>-<8 hex digits>`. The pid says
 * which process owns it, so a later run can tell a leftover of a killed run (its pid is gone) from a write
 * in progress, and the exact pattern tells our temp files from a user's files with similar names.
 */
export function tempPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `${path.basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

const TEMP_SUFFIX = /^\.tmp-([1-9]\d{0,9})-[0-9a-f]{8}$/;

/** The pid in `name` when it is one of our temp names for a final file called `base`, else undefined. */
export function tempOwner(name: string, base: string): number | undefined {
  if (!name.startsWith(base)) return undefined;
  const m = TEMP_SUFFIX.exec(name.slice(base.length));
  return m ? Number(m[1]) : undefined;
}

/**
 * Whether process `pid` still exists. EPERM means it exists under another user; only ESRCH means gone. Our
 * own pid counts as alive: another write of this process may own the file.
 */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the leftovers of killed runs for `finalPath`: entries in its folder named by {@link tempPathFor}
 * for that exact final name whose pid is no longer alive. Regular files only, unless `isOurDirectory` says a
 * directory is one we wrote (model directories). Nothing else is touched; failures are ignored (cleanup is
 * best effort and must never fail the write it precedes). Returns the removed paths.
 */
export async function removeStaleTemps(finalPath: string, isOurDirectory?: (dir: string) => Promise<boolean>): Promise<string[]> {
  const folder = path.dirname(finalPath);
  const base = path.basename(finalPath);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempOwner(name, base);
    if (pid === undefined || isPidAlive(pid)) continue;
    const full = path.join(folder, name);
    try {
      const st = await lstat(full);
      if (st.isFile()) await rm(full);
      else if (st.isDirectory() && isOurDirectory !== undefined && (await isOurDirectory(full))) await rm(full, { recursive: true });
      else continue;
      removed.push(full);
    } catch {
      // Gone already (another run cleaned it) or not removable: leave it.
    }
  }
  return removed;
}
