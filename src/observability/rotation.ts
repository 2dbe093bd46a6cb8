// What the audit log and the daemon log share about rotated files: their
// names (`<base>-<time of the last line>.<ext>`, so they sort by name and
// time), telling them apart from other files, and deleting all but the
// newest `keep`. Each log does its own writing (the audit asynchronously off
// the request path, the daemon log synchronously like the stderr it replaces).
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface RotatedNames {
  /** `audit`, `daemon`. */
  base: string;
  /** With the dot: `.jsonl`, `.log`. */
  ext: string;
}

/** `audit-2025-01-31T23-59-58.123Z.jsonl` for a file whose last line was written at `at`. */
export function rotatedName(names: RotatedNames, at: number): string {
  return `${names.base}-${new Date(at).toISOString().replace(/:/g, '-')}${names.ext}`;
}

/** The time a rotated file's name stands for, or undefined when the name is not one of ours. */
export function rotatedAt(names: RotatedNames, name: string): number | undefined {
  if (!name.startsWith(`${names.base}-`) || !name.endsWith(names.ext)) return undefined;
  const stamp = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}\.\d{3}Z)$/.exec(name.slice(names.base.length + 1, name.length - names.ext.length));
  if (!stamp) return undefined;
  const time = Date.parse(`${stamp[1]}T${stamp[2]}:${stamp[3]}:${stamp[4]}`);
  return Number.isNaN(time) ? undefined : time;
}

/** The rotated files in `dir`, oldest first. */
export async function listRotated(dir: string, names: RotatedNames): Promise<string[]> {
  return (await readdir(dir)).filter((name) => rotatedAt(names, name) !== undefined).sort();
}

/** Deletes all but the `keep` newest rotated files; returns the newest one's time (-Infinity when none). */
export async function pruneRotated(dir: string, names: RotatedNames, keep: number): Promise<number> {
  const rotated = await listRotated(dir, names);
  const newest = rotated.at(-1);
  for (const name of rotated.slice(0, Math.max(0, rotated.length - keep))) {
    await unlink(join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  return newest === undefined ? -Infinity : (rotatedAt(names, newest) as number);
}

/** A rotated file's time: strictly after the newest so far, so names stay unique and ordered even if the clock steps back. */
export function nextRotationTime(lastLineAt: number, newestRotatedAt: number): number {
  return Math.max(lastLineAt, newestRotatedAt + 1);
}
