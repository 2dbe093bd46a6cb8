// What each `import --write` did, in the state directory (imports.json,
// 0600): the file it rewrote, its sealed backup and the keychain account of
// the backup's key, hashes of the file before and after, the servers it
// added. `--undo` reads it; no secret is in it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';

export interface ImportRecord {
  id: string;
  client: string;
  file: string;
  backup: string;
  /** The keychain account holding the backup's key. */
  keyAccount: string;
  /** sha256 of the file before the import and of what the import wrote. */
  before: string;
  after: string;
  mode: number;
  servers: string[];
  secrets: string[];
  at: string;
}

export function importsFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'imports.json');
}

export async function readImports(env: NodeJS.ProcessEnv): Promise<ImportRecord[]> {
  try {
    const value = JSON.parse(await readFile(importsFile(env), 'utf8')) as { imports?: unknown };
    return Array.isArray(value.imports) ? (value.imports as ImportRecord[]).filter((r) => typeof r?.file === 'string' && typeof r.backup === 'string') : [];
  } catch {
    return [];
  }
}

export async function writeImports(env: NodeJS.ProcessEnv, imports: ImportRecord[]): Promise<void> {
  const file = importsFile(env);
  await mkdir(stateDir(env), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ imports }, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
