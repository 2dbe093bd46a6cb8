// The record of agent config files `mcp-json --write` wrote
// (<state dir>/agent-configs.json), so `doctor` can check that each entry
// still launches or still points at the proxy.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';
import type { Snippet } from './snippet.js';

export interface WrittenFile {
  client: string;
  file: string;
  format: Snippet['format'];
  rootKey: string;
  /** Entry names written there, each the proxy's server name. */
  entries: string[];
  writtenAt: string;
}

export function writtenRecordFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'agent-configs.json');
}

/** Every recorded file; an unreadable record counts as empty (it is only a memo). */
export async function readWritten(env: NodeJS.ProcessEnv): Promise<WrittenFile[]> {
  try {
    const value = JSON.parse(await readFile(writtenRecordFile(env), 'utf8')) as { files?: unknown };
    return Array.isArray(value.files) ? (value.files as WrittenFile[]).filter((f) => typeof f?.file === 'string' && Array.isArray(f.entries)) : [];
  } catch {
    return [];
  }
}

/** Adds (or merges into the record of the same file) what was just written. */
export async function recordWritten(env: NodeJS.ProcessEnv, written: WrittenFile): Promise<void> {
  const files = await readWritten(env);
  const same = files.find((f) => f.file === written.file && f.rootKey === written.rootKey);
  if (same) {
    same.entries = [...new Set([...same.entries, ...written.entries])];
    same.client = written.client;
    same.writtenAt = written.writtenAt;
  } else files.push(written);
  const file = writtenRecordFile(env);
  await mkdir(stateDir(env), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ files }, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
