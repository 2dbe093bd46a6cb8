// The per-install client token (config `clientToken: true`): 32 random bytes,
// base64url, kept 0600 in the state dir. The daemon requires it in
// X-MCP-Proxy-Token; mcp-json writes it into agent configs; status, stop and
// doctor read it from here to talk to the daemon.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';
import { ensureStateDir } from './state-dir.js';

export function clientTokenFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'client-token');
}

/** What a token file holds when we wrote it: exactly the 43 base64url characters of 32 random bytes. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isValidClientToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export type TokenFileState = { kind: 'valid'; token: string } | { kind: 'absent' } | { kind: 'invalid'; reason: string };

/**
 * Reads the token file without following a symlink and without blocking on
 * something that is not a regular file, and says whether it holds a token we
 * could have written (a crash or a full disk during the first write leaves an
 * empty or cut-off file; a loose mode means it may have been read).
 */
export async function readClientTokenFile(env: NodeJS.ProcessEnv): Promise<TokenFileState> {
  const file = clientTokenFile(env);
  const flags = process.platform === 'win32' ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let handle;
  try {
    handle = await open(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'invalid', reason: code === 'ELOOP' ? 'it is a symbolic link' : `it cannot be read (${code ?? String(error)})` };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { kind: 'invalid', reason: 'it is not a regular file' };
    if (process.platform !== 'win32') {
      if (process.getuid && stats.uid !== process.getuid()) return { kind: 'invalid', reason: `it belongs to uid ${stats.uid}, not to you` };
      if ((stats.mode & 0o077) !== 0) return { kind: 'invalid', reason: `its mode ${(stats.mode & 0o777).toString(8)} let other users read it` };
    }
    const text = (await handle.readFile({ encoding: 'utf8' })).trim();
    if (text === '') return { kind: 'invalid', reason: 'it is empty' };
    if (!isValidClientToken(text)) return { kind: 'invalid', reason: 'it does not hold a token of 43 base64url characters' };
    return { kind: 'valid', token: text };
  } finally {
    await handle.close();
  }
}

/** The token when the file holds a valid one, else undefined: for commands that only present it. */
export async function readClientToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const state = await readClientTokenFile(env);
  return state.kind === 'valid' ? state.token : undefined;
}

export interface ClientTokenOptions {
  /** Told when an invalid file was replaced by a new token (agents configured with the old file need it again). */
  onReplaced?: (reason: string, file: string) => void;
}

/**
 * The token, created on first use. A file that is not a valid token is
 * replaced by a new one, never used: an empty or short token would turn the
 * check off or make it guessable. A token we wrote is never invalid (writes
 * are atomic), so such a file is damage or tampering, and a fresh token is
 * the safe answer; the caller says so, since agents need the new one.
 */
export async function clientToken(env: NodeJS.ProcessEnv, options: ClientTokenOptions = {}): Promise<string> {
  await ensureStateDir(env);
  const file = clientTokenFile(env);
  const current = await readClientTokenFile(env);
  if (current.kind === 'valid') return current.token;
  const token = randomBytes(32).toString('base64url');
  const temp = await writeTemp(file, token);
  try {
    if (current.kind === 'absent') {
      try {
        // link() is atomic and exclusive: two commands racing end up with one token, and nothing at the name is followed.
        await link(temp, file);
        return token;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') {
          // Another command created it meanwhile: use theirs when it is valid, else replace it below.
          const raced = await readClientTokenFile(env);
          if (raced.kind === 'valid') return raced.token;
        } else if (!NO_HARD_LINKS.has(code)) throw error;
      }
    }
    // rename() replaces whatever is at the name (a symlink included, never followed).
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  if (current.kind === 'invalid') options.onReplaced?.(current.reason, file);
  return token;
}

/** File systems without hard links (FAT, some network mounts): the rename still makes the write atomic. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** A new 0600 file beside the token file holding the whole token, flushed to disk: a reader never sees part of it. */
async function writeTemp(file: string, token: string): Promise<string> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${token}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}
