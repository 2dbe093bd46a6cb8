// Filesystem failures while reading or writing an agent's config file, as
// one-line errors that say what is wrong with the path (exit 1, no stack).
import { AppError } from '../errors.js';

const HINT = 'Pass --file PATH to write elsewhere, or run without --write and paste the snippet by hand.';

/** An AppError for a failed read or write of `path`; anything that is not an fs error is returned as is. */
export function fileError(error: unknown, path: string, action: 'read' | 'write'): unknown {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  const reason = REASONS[code] ?? `${code}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}`;
  return new AppError('CLIENT_CONFIG_IO', `Cannot ${action} ${path}: ${reason}`, { hint: HINT, cause: error });
}

const REASONS: Record<string, string> = {
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  // mkdir -p on a path under a regular file
  EEXIST: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted (an immutable file or directory?)',
  EROFS: 'the file system is read-only',
  ENOENT: 'the directory does not exist and cannot be created there',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links (a link loop?)',
  ENAMETOOLONG: 'the path is too long',
  EINVAL: 'the file system does not support this file',
  EBUSY: 'the file is busy',
};

/** The error for a path that exists but is not a regular file (a FIFO, socket or device: never opened, so nothing hangs). */
export function notRegularFile(path: string, kind: string): AppError {
  return new AppError('CLIENT_CONFIG_IO', `Cannot use ${path}: it is a ${kind}, not a regular file`, { hint: HINT });
}
