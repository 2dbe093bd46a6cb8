// The audit log's file: <dir>/audit.jsonl, appended to in whole lines and
// renamed to audit-<time>.jsonl when a line would take it past maxBytes or
// when the UTC day changes; only the `keep` newest rotated files are kept.
//
// Written here rather than with a rotation library. rotating-file-stream
// rotates days on timers (no injected clock), checks size after a write
// rather than before, keeps a history file for maxFiles, and after an error
// "nothing more can be done: the stream is closed" (its README), where we must
// drop the failed lines and try again later. winston-daily-rotate-file names
// the live file by date (no fixed audit.jsonl) and keeps an audit JSON file
// beside the logs. What we need is an open, an append, a rename and a prune.
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { nextRotationTime, pruneRotated, rotatedName, type RotatedNames } from './rotation.js';

export const AUDIT_FILE = 'audit.jsonl';

/** Rotated files: `audit-2025-01-31T23-59-58.123Z.jsonl`, named for their last line, so they sort by name. */
const NAMES: RotatedNames = { base: 'audit', ext: '.jsonl' };

/** One finished line (no newline). */
export interface AuditLine {
  text: string;
  /** UTF-8 bytes with the newline. */
  bytes: number;
  /** UTC day (YYYY-MM-DD) of the clock when it was recorded. */
  day: string;
  /** Epoch ms of the same moment. */
  at: number;
}

export interface AuditFileOptions {
  dir: string;
  maxBytes: number;
  keep: number;
  /** Problems that do not stop writing (pruning old files). */
  onError: (error: unknown) => void;
}

export interface AuditFile {
  /** Appends the lines in order, rotating as needed; on failure, how many went in and why the rest did not. */
  write(lines: AuditLine[]): Promise<{ written: number; error?: unknown }>;
  close(): Promise<void>;
}

interface Current {
  handle: FileHandle;
  size: number;
  /** UTC day of its lines; undefined while empty. */
  day: string | undefined;
  /** Time of its last line, which names it when rotated. */
  lastAt: number;
}

export function createAuditFile(options: AuditFileOptions): AuditFile {
  const { dir, maxBytes, keep, onError } = options;
  const path = join(dir, AUDIT_FILE);
  let current: Current | undefined;
  let newestRotatedAt = -Infinity;
  let pruned = false;

  async function openCurrent(): Promise<Current> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(path, 'a', 0o600);
    try {
      const stat = await handle.stat();
      // A file from before may have a looser mode; arguments can be sensitive.
      if ((stat.mode & 0o077) !== 0) await handle.chmod(0o600);
      if (!pruned) await prune().catch(onError);
      // Its lines all share one UTC day (rotation keeps it so): that of the last write.
      return { handle, size: stat.size, day: stat.size > 0 ? stat.mtime.toISOString().slice(0, 10) : undefined, lastAt: stat.mtimeMs };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Deletes all but the `keep` newest rotated files, and learns the newest name. */
  async function prune(): Promise<void> {
    pruned = true;
    newestRotatedAt = Math.max(newestRotatedAt, await pruneRotated(dir, NAMES, keep));
  }

  async function rotate(file: Current): Promise<Current> {
    current = undefined;
    await file.handle.close();
    const at = nextRotationTime(file.lastAt, newestRotatedAt);
    await rename(path, join(dir, rotatedName(NAMES, at)));
    newestRotatedAt = at;
    current = await openCurrent();
    await prune().catch(onError);
    return current;
  }

  async function append(file: Current, lines: AuditLine[]): Promise<void> {
    const text = lines.length === 1 ? `${(lines[0] as AuditLine).text}\n` : lines.map((line) => `${line.text}\n`).join('');
    try {
      await file.handle.appendFile(text);
    } catch (error) {
      // A partial write (disk full) is cut off again, so the file always ends at the end of a line.
      await file.handle.truncate(file.size).catch(() => undefined);
      throw error;
    }
    const last = lines.at(-1) as AuditLine;
    file.size += Buffer.byteLength(text);
    file.day = last.day;
    file.lastAt = last.at;
  }

  return {
    async write(lines) {
      let written = 0;
      try {
        let file = (current ??= await openCurrent());
        while (written < lines.length) {
          const head = lines[written] as AuditLine;
          if (file.size > 0 && (head.day !== file.day || file.size + head.bytes > maxBytes)) file = await rotate(file);
          // As many lines as fit this file and its day go in one write (the first always does).
          let end = written + 1;
          let size = file.size + head.bytes;
          for (let next = lines[end]; next && next.day === head.day && size + next.bytes <= maxBytes; next = lines[++end]) size += next.bytes;
          await append(file, lines.slice(written, end));
          written = end;
        }
        return { written };
      } catch (error) {
        // The next write opens (and if need be creates) the file afresh.
        const stale = current;
        current = undefined;
        await stale?.handle.close().catch(() => undefined);
        return { written, error };
      }
    },

    async close() {
      const file = current;
      current = undefined;
      await file?.handle.close().catch(() => undefined);
    },
  };
}
