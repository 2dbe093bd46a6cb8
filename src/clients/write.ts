// `mcp-json --write`: merge the proxy's entries into a client's config file.
// Shows the change, keeps a timestamped backup, leaves every other entry
// alone, and refuses to replace a same-named entry without --force.
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import yaml from 'js-yaml';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { AppError } from '../errors.js';
import type { Snippet } from './snippet.js';

export interface WriteResult {
  path: string;
  backup: string | undefined;
  added: string[];
  replaced: string[];
}

export async function writeSnippet(snippet: Snippet, path: string, force: boolean, now: Date = new Date()): Promise<WriteResult> {
  const existing = existsSync(path) ? parse(await readFile(path, 'utf8'), snippet.format, path) : {};
  const current = (existing[snippet.rootKey] ?? {}) as Record<string, unknown>;
  const incoming = snippet.document[snippet.rootKey] as Record<string, unknown>;
  const replaced = Object.keys(incoming).filter((name) => name in current);
  if (replaced.length > 0 && !force) {
    throw new AppError('ENTRY_EXISTS', `${path} already has ${replaced.map((n) => `"${n}"`).join(', ')} under ${snippet.rootKey}`, {
      hint: 'Pass --force to replace it (a backup is kept), or choose another server name.',
    });
  }
  existing[snippet.rootKey] = { ...current, ...incoming };
  let backup: string | undefined;
  await mkdir(dirname(path), { recursive: true });
  let mode = 0o600;
  if (existsSync(path)) {
    mode = (await stat(path)).mode & 0o777;
    backup = `${path}.bak-${now.toISOString().replace(/[:.]/g, '-')}`;
    await copyFile(path, backup);
  }
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, serialize(existing, snippet.format), { mode });
  await rename(temp, path);
  return { path, backup, added: Object.keys(incoming).filter((n) => !replaced.includes(n)), replaced };
}

function parse(text: string, format: Snippet['format'], path: string): Record<string, unknown> {
  try {
    const value = format === 'json' ? (text.trim() ? JSON.parse(text) : {}) : format === 'toml' ? parseToml(text) : (yaml.load(text) ?? {});
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new AppError('CLIENT_CONFIG_UNREADABLE', `Cannot parse ${path} as ${format.toUpperCase()}: ${(error as Error).message}`, {
      hint: 'Fix the file, or paste the snippet by hand (run without --write).',
    });
  }
}

function serialize(value: Record<string, unknown>, format: Snippet['format']): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  if (format === 'toml') return `${stringifyToml(value)}\n`;
  return yaml.dump(value);
}
