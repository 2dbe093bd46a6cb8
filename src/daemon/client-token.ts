// The per-install client token (config `clientToken: true`): 32 random bytes,
// generated once and kept 0600 in the state dir. The daemon requires it in
// X-MCP-Proxy-Token; mcp-json writes it into agent configs; status, stop and
// doctor read it from here to talk to the daemon.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stateDir } from '../config/paths.js';

export function clientTokenFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'client-token');
}

/** The token, created (0600) on first use. */
export async function clientToken(env: NodeJS.ProcessEnv): Promise<string> {
  const file = clientTokenFile(env);
  try {
    const text = (await readFile(file, 'utf8')).trim();
    // A copy that others could read is tightened before use.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    if (text.length >= 32) return text;
  } catch {
    // absent: create it below
  }
  const token = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // Exclusive create: two commands racing end up with one token, and a planted symlink is not followed.
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(file, 'utf8')).trim();
  }
  await chmod(file, 0o600);
  return token;
}
