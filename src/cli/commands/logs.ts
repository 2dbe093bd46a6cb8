// `mcp-auth-proxy logs [-f] [--since 10m|TIME] [-n N] [--json]`: the log of
// the daemon `start --detach` runs (daemon.log in the state directory, and
// its rotated files when --since reaches back), readable by default, the JSON
// lines as written with --json; -f follows it across rotations until Ctrl-C.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { logFile } from '../../daemon/state.js';
import { AppError, UsageError } from '../../errors.js';
import { rotatedNamesOf } from '../../observability/log-file.js';
import { prettyLine, wantsColour } from '../../observability/pretty.js';
import { listRotated, rotatedAt } from '../../observability/rotation.js';
import type { CommandContext } from '../context.js';

export interface LogsOptions {
  follow?: boolean;
  since?: string;
  lines?: string;
  json?: boolean;
}

/** How often -f looks for new lines: often enough to feel live, cheap enough to leave running. */
const FOLLOW_POLL_MS = 200;

export async function logs(ctx: CommandContext, options: LogsOptions): Promise<void> {
  const path = logFile(ctx.env);
  const since = options.since === undefined ? undefined : parseSince(options.since, Date.now());
  const limit = parseLimit(options.lines, since !== undefined);
  const colour = !options.json && wantsColour(ctx.stdout as { isTTY?: boolean }, ctx.env);
  const show = (line: string) => ctx.stdout.write(`${options.json ? line : prettyLine(line, { colour })}\n`);

  if (!existsSync(path) && !options.follow) {
    throw new AppError('NO_DAEMON_LOG', `No daemon log at ${path}`, {
      hint: 'The daemon writes it when started with `mcp-auth-proxy start --detach`; a proxy started in a terminal logs to that terminal.',
    });
  }
  const lines: string[] = [];
  for (const file of await filesSince(path, since)) {
    for (const line of readLines(file)) if (since === undefined || timeOf(line) >= since) lines.push(line);
  }
  for (const line of lines.slice(Math.max(0, lines.length - limit))) show(line);
  if (options.follow) await follow(path, existsSync(path) ? statSync(path).size : 0, show);
}

/** `10m`, `1h30m` (that long ago) or a date/time (`2026-01-31T12:00:00Z`, `2026-01-31 12:00`). */
function parseSince(value: string, now: number): number {
  const text = value.trim();
  if (!/^\d+$/.test(text)) {
    const ago = parseDuration(text);
    if (ago !== undefined) return now - ago;
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return at;
  }
  throw new UsageError(`--since ${JSON.stringify(value)} is neither a duration nor a date`, 'Write e.g. --since 10m, --since 2h or --since 2026-01-31T12:00:00Z.');
}

function parseLimit(value: string | undefined, hasSince: boolean): number {
  if (value === undefined) return hasSince ? Infinity : 100;
  if (value === 'all') return Infinity;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 0) throw new UsageError(`--lines ${JSON.stringify(value)} is not a number of lines`, 'Write e.g. --lines 200, or --lines all.');
  return count;
}

/** The current file, after the rotated ones whose last line is at or after `since` (oldest first). */
async function filesSince(path: string, since: number | undefined): Promise<string[]> {
  if (since === undefined) return [path];
  const names = rotatedNamesOf(path);
  const dir = join(path, '..');
  const rotated = existsSync(dir) ? await listRotated(dir, names) : [];
  return [...rotated.filter((name) => (rotatedAt(names, name) as number) >= since).map((name) => join(dir, name)), path];
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

/** A JSON line's timestamp; lines without one (a crash's output) count as recent. */
function timeOf(line: string): number {
  const stamp = /"timestamp":"([^"]+)"/.exec(line)?.[1];
  const at = stamp ? Date.parse(stamp) : Number.NaN;
  return Number.isNaN(at) ? Infinity : at;
}

/** Prints lines added to `path` from `offset` on; when the file is rotated, the old one is read to its end first. */
function follow(path: string, offset: number, show: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let fd: number | undefined;
    let position = offset;
    let partial = '';
    const buffer = Buffer.alloc(64 * 1024);
    const drain = () => {
      if (fd === undefined) return;
      for (let read = readSync(fd, buffer, 0, buffer.length, position); read > 0; read = readSync(fd, buffer, 0, buffer.length, position)) {
        position += read;
        const text = partial + buffer.toString('utf8', 0, read);
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) if (line !== '') show(line);
      }
    };
    const poll = () => {
      try {
        const current = statSync(path);
        if (fd !== undefined && fstatSync(fd).ino !== current.ino) {
          drain(); // the rest of the file that was rotated away
          closeSync(fd);
          fd = undefined;
          position = 0;
          partial = '';
        }
        if (fd === undefined) fd = openSync(path, 'r');
        if (current.size < position) position = 0; // truncated
        drain();
      } catch {
        // not there (yet): the daemon has not started, or is rotating it
      }
    };
    poll();
    const timer = setInterval(poll, FOLLOW_POLL_MS);
    const stop = () => {
      clearInterval(timer);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      poll();
      if (fd !== undefined) closeSync(fd);
      resolve();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}
