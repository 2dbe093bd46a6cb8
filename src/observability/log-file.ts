// The daemon's own log file (<state dir>/daemon.log), rotated by size like
// the audit log (to daemon-<time>.log, the newest `keep` kept). Writes are
// synchronous, as they were when the daemon's stderr was this file: lines
// stay in order and nothing is lost at exit. Another daemon (another listen
// address) may share the file and rotate it: at most once a second we check
// that the path still names our file and reopen it if not.
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { nextRotationTime, pruneRotated, rotatedName, type RotatedNames } from './rotation.js';

/** Rotated siblings of a log file: daemon.log → daemon-<time>.log. */
export function rotatedNamesOf(path: string): RotatedNames {
  const ext = extname(path);
  return { base: basename(path, ext), ext };
}

export interface LogFileOptions {
  path: string;
  maxBytes: number;
  keep: number;
  /** Told once when writing starts failing (the line is dropped, never thrown into the caller). */
  onError?: (error: Error) => void;
  now?: () => number;
}

export interface LogFile {
  readonly path: string;
  /** Appends finished lines (each ending in a newline); rotates first when they would pass maxBytes. */
  write(text: string): void;
  close(): void;
}

export function createLogFile(options: LogFileOptions): LogFile {
  const { path, maxBytes, keep } = options;
  const now = options.now ?? Date.now;
  const dir = dirname(path);
  const names = rotatedNamesOf(path);
  let fd: number | undefined;
  let size = 0;
  let inode = 0;
  let checkedAt = 0;
  let newestRotatedAt = -Infinity;
  let failing = false;

  function open(): number {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const opened = openSync(path, 'a', 0o600);
    const stat = fstatSync(opened);
    size = stat.size;
    inode = stat.ino;
    checkedAt = now();
    return opened;
  }

  function close(): void {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  }

  /** Still our file at that path? Another daemon may have rotated it. Checked at most once a second. */
  function stillOurs(): boolean {
    const at = now();
    if (at - checkedAt < 1000) return true;
    checkedAt = at;
    try {
      return statSync(path).ino === inode;
    } catch {
      return false;
    }
  }

  /**
   * The path never goes missing for a reader (`logs -f`, a test): the file
   * gets its rotated name as a second link, then a new empty file replaces it
   * at the path in one rename. Where hard links are not supported, a plain
   * rename (the path is absent until the next open, a moment later).
   */
  function rotate(): void {
    close();
    let at = nextRotationTime(now(), newestRotatedAt);
    let rotated = join(dir, rotatedName(names, at));
    try {
      // Another daemon sharing the file may have taken this name in the same millisecond.
      for (let tries = 0; ; tries++) {
        try {
          linkSync(path, rotated);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 100) throw error;
          rotated = join(dir, rotatedName(names, ++at));
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // rotated away by another daemon just now: the next open starts afresh
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
      renameSync(path, rotated);
      newestRotatedAt = at;
      prune();
      return;
    }
    const temp = `${path}.${process.pid}.new`;
    try {
      closeSync(openSync(temp, 'w', 0o600));
      renameSync(temp, path);
    } catch (error) {
      rmSync(rotated, { force: true });
      rmSync(temp, { force: true });
      throw error;
    }
    newestRotatedAt = at;
    prune();
  }

  function prune(): void {
    pruneRotated(dir, names, keep).then(
      (newest) => void (newestRotatedAt = Math.max(newestRotatedAt, newest)),
      () => undefined,
    );
  }

  /** Appends lines that fit (or one longer line to an empty file), rotating first when they would pass maxBytes. */
  function append(text: string, bytes: number): void {
    if (size > 0 && size + bytes > maxBytes) {
      rotate();
      fd = open();
    }
    writeSync(fd as number, text);
    size += bytes;
  }

  return {
    path,
    write(text) {
      try {
        if (fd !== undefined && !stillOurs()) close();
        fd ??= open();
        const bytes = Buffer.byteLength(text);
        if (size + bytes <= maxBytes || text.indexOf('\n') === text.length - 1) append(text, bytes);
        else {
          // A batch of lines that passes the limit: as many whole lines as fit go before the rotation, the rest after.
          let start = 0;
          let used = 0;
          let from = 0;
          while (from < text.length) {
            const end = text.indexOf('\n', from) + 1 || text.length;
            const line = Buffer.byteLength(text.slice(from, end));
            if (used > 0 && size + used + line > maxBytes) {
              append(text.slice(start, from), used);
              start = from;
              used = 0;
            }
            used += line;
            from = end;
          }
          append(text.slice(start), used);
        }
        failing = false;
      } catch (error) {
        close();
        if (!failing) options.onError?.(error instanceof Error ? error : new Error(String(error)));
        failing = true;
      }
    },
    close,
  };
}
