import { ConnectorError, LatentflowError } from '../errors.js';

/** True for errors raised by the file system (they carry a `syscall` and an `E...` code). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

const ADVICE: Record<string, string> = {
  ENOENT: 'check the path (relative paths resolve against the pipeline file folder) and that the folder exists',
  EACCES: 'check the file and folder permissions',
  EPERM: 'check the file and folder permissions',
  EISDIR: 'the path is a folder; give a file path',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOSPC: 'the disk is full; free space or write elsewhere',
  EROFS: 'the file system is read-only; write elsewhere',
  EMFILE: 'too many open files; close other files or raise the limit (ulimit -n)',
};

// Errors that may go away on their own, so a runner may retry the stage.
const RETRIABLE = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR']);

/**
 * Wraps a file-system failure as a ConnectorError naming the connector, the action and the path, with the
 * original error as `cause`. LatentflowErrors (already located) pass through unchanged.
 */
export function fileError(connector: string, file: string, action: string, err: unknown): LatentflowError {
  if (err instanceof LatentflowError) return err;
  const code = isFsError(err) ? err.code : undefined;
  const reason = err instanceof Error ? err.message : String(err);
  const advice = code !== undefined && ADVICE[code] !== undefined ? `; ${ADVICE[code]}` : '';
  return new ConnectorError(
    `cannot ${action} ${file}: ${reason}${advice}`,
    { connector, path: file, retriable: code !== undefined && RETRIABLE.has(code) },
    { cause: err },
  );
}
