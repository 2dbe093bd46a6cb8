// Edits the user config file for `login --url ...`: adds or replaces one
// server entry and leaves every other byte of meaning alone (other servers,
// other fields). Written atomically so a crash never leaves half a file.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { isPlainObject } from './layers.js';

export async function upsertServer(file: string, name: string, server: Record<string, unknown>): Promise<void> {
  await editServers(file, (servers) => ({ ...servers, [name]: server }));
}

/** Sets one field of an existing entry (e.g. auth.user), leaving the rest of it as written. */
export async function setServerField(file: string, name: string, path: string[], value: unknown): Promise<void> {
  await editServers(file, (servers) => {
    const entry = structuredClone(isPlainObject(servers[name]) ? servers[name] : {}) as Record<string, unknown>;
    let node = entry;
    for (const key of path.slice(0, -1)) {
      if (!isPlainObject(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
    return { ...servers, [name]: entry };
  });
}

async function editServers(file: string, edit: (servers: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  let document: Record<string, unknown> = {};
  let mode = 0o644;
  if (existsSync(file)) {
    mode = (await stat(file)).mode & 0o777;
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (!isPlainObject(parsed)) throw new Error('not a JSON object');
      document = parsed;
    } catch (error) {
      throw new ConfigError([{ source: file, path: '', message: `cannot parse: ${(error as Error).message}; fix it before login edits it` }]);
    }
  }
  document.servers = edit(isPlainObject(document.servers) ? document.servers : {});
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`, { mode });
  await rename(temp, file);
}
