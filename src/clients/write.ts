// `mcp-json --write`: merge the proxy's entries into a client's config file.
// Only our entries' text changes (comments, trailing commas and formatting
// stay: see edit-*.ts); the result is parsed again and refused unless the
// only difference is our entries. A timestamped backup is kept, a same-named
// entry is replaced only with --force, and filesystem trouble is a one-line
// error (a FIFO or device is never opened, so nothing hangs).
import { copyFile, lstat, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AppError } from '../errors.js';
import { parseJsonc, setJsoncEntries } from './edit-jsonc.js';
import { parseToml, setTomlEntries } from './edit-toml.js';
import { parseYaml, setYamlEntries } from './edit-yaml.js';
import { fileError, notRegularFile } from './file-errors.js';
import type { Snippet } from './snippet.js';

export interface WriteResult {
  /** The file written (a symbolic link's target: the link itself is kept). */
  path: string;
  backup: string | undefined;
  added: string[];
  replaced: string[];
}

const FORMATS = {
  json: { parse: parseJsonc, set: setJsoncEntries },
  toml: { parse: parseToml, set: setTomlEntries },
  yaml: { parse: parseYaml, set: setYamlEntries },
} as const;

export async function writeSnippet(snippet: Snippet, file: string, force: boolean, now: Date = new Date()): Promise<WriteResult> {
  const format = FORMATS[snippet.format];
  const path = await target(file);
  const original = await readExisting(path);
  const existing = original === undefined ? {} : parse(original, snippet.format, path);
  const current = existing[snippet.rootKey] ?? {};
  if (typeof current !== 'object' || current === null || Array.isArray(current)) {
    throw new AppError('CLIENT_CONFIG_SHAPE', `${path}: "${snippet.rootKey}" is not a table of servers`, { hint: 'Fix the file, or paste the snippet by hand (run without --write).' });
  }
  const incoming = snippet.document[snippet.rootKey] as Record<string, unknown>;
  const replaced = Object.keys(incoming).filter((name) => name in current);
  if (replaced.length > 0 && !force) {
    throw new AppError('ENTRY_EXISTS', `${path} already has ${replaced.map((n) => `"${n}"`).join(', ')} under ${snippet.rootKey}`, {
      hint: 'Pass --force to replace it (a backup is kept), or choose another server name.',
    });
  }
  const text = edit(original ?? '', snippet, incoming, path, format);
  const expected = { ...existing, [snippet.rootKey]: { ...current, ...incoming } };
  if (!isDeepStrictEqual(plain(parse(text, snippet.format, path)), plain(expected))) {
    throw new AppError('CLIENT_CONFIG_UNSAFE', `Cannot add the entries to ${path} without changing other content (an unusual layout of "${snippet.rootKey}")`, {
      hint: 'Paste the snippet by hand (run without --write); the file was not changed.',
    });
  }
  try {
    let backup: string | undefined;
    let mode = 0o600;
    await mkdir(dirname(path), { recursive: true });
    if (original !== undefined) {
      mode = (await stat(path)).mode & 0o777;
      backup = `${path}.bak-${now.toISOString().replace(/[:.]/g, '-')}`;
      await copyFile(path, backup);
    }
    const temp = `${path}.${process.pid}.tmp`;
    try {
      await writeFile(temp, text, { mode });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
    return { path, backup, added: Object.keys(incoming).filter((n) => !replaced.includes(n)), replaced };
  } catch (error) {
    throw fileError(error, path, 'write');
  }
}

/** An agent's config file as data (for doctor); throws an AppError when it is missing or unreadable. */
export async function readAgentConfig(file: string, format: Snippet['format']): Promise<Record<string, unknown>> {
  const path = await target(file);
  const text = await readExisting(path);
  if (text === undefined) throw new AppError('CLIENT_CONFIG_MISSING', 'the file is gone');
  return parse(text, format, path);
}

/** The file to write: a symbolic link's target (dotfile managers link configs; replacing the link would cut it). */
export async function target(file: string): Promise<string> {
  try {
    return (await lstat(file)).isSymbolicLink() ? await realpath(file) : file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw fileError(error, file, 'read');
  }
}

/** The file's text, or undefined when there is none yet; anything but a regular file is refused unopened. */
async function readExisting(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new AppError('CLIENT_CONFIG_IO', `Cannot read ${path}: it is a directory, not a file`, { hint: 'Pass --file PATH to write elsewhere.' });
    if (!info.isFile()) throw notRegularFile(path, kindOf(info));
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(error, path, 'read');
  }
}

/** A value as plain data (smol-toml's tables have no prototype; its dates become strings on both sides). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function kindOf(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isFIFO()) return 'named pipe (FIFO)';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'device';
  return 'special file';
}

function edit(text: string, snippet: Snippet, incoming: Record<string, unknown>, path: string, format: (typeof FORMATS)[keyof typeof FORMATS]): string {
  try {
    return format.set(text, snippet.rootKey, incoming);
  } catch (error) {
    throw new AppError('CLIENT_CONFIG_UNSAFE', `Cannot edit ${path}: ${(error as Error).message}`, { hint: 'Paste the snippet by hand (run without --write); the file was not changed.' });
  }
}

function parse(text: string, format: Snippet['format'], path: string): Record<string, unknown> {
  try {
    const value = FORMATS[format].parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the top level is not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    const reason = ((error as Error).message ?? String(error)).split('\n')[0];
    throw new AppError('CLIENT_CONFIG_UNREADABLE', `Cannot parse ${path} as ${format === 'json' ? 'JSON (with comments)' : format.toUpperCase()}: ${reason}`, {
      hint: 'Fix the file, or paste the snippet by hand (run without --write).',
    });
  }
}
