// Which project config files the user trusts, as direnv and mise do it: a
// file found in the working directory came with whatever repository was
// cloned, so it is not used until `mcp-auth-proxy trust` records its path and
// a hash of its content (in the state directory, 0600); a file changed since
// needs trusting again.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from './paths.js';

export interface TrustRecord {
  sha256: string;
  trustedAt: string;
}

export type TrustState = 'trusted' | 'untrusted' | 'changed';

export function trustStoreFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'trusted-projects.json');
}

/**
 * What trust is given to: the file's bytes, or for package.json only the
 * `mcp-auth-proxy` key (a version bump elsewhere in it changes nothing the
 * proxy reads). Undefined when the file cannot be read.
 */
export function projectDigest(file: string, packageKey?: unknown): string | undefined {
  try {
    const bytes = file.endsWith('package.json') ? Buffer.from(JSON.stringify(packageKey ?? null)) : readRegularFile(file);
    return bytes === undefined ? undefined : createHash('sha256').update(bytes).digest('hex');
  } catch {
    return undefined;
  }
}

/** A regular file's bytes; undefined for anything else. Opened without blocking, so a FIFO never hangs the reader. */
function readRegularFile(file: string): Buffer | undefined {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}

/** The path a record is kept under: the file's real path, so a symlink to a trusted file is not a way around it. */
export function trustKey(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export async function readTrust(env: NodeJS.ProcessEnv): Promise<Record<string, TrustRecord>> {
  try {
    const parsed = JSON.parse(await readFile(trustStoreFile(env), 'utf8')) as { files?: Record<string, TrustRecord> };
    return parsed && typeof parsed.files === 'object' && parsed.files !== null ? parsed.files : {};
  } catch {
    return {};
  }
}

export async function trustState(env: NodeJS.ProcessEnv, file: string, digest: string | undefined): Promise<TrustState> {
  const record = (await readTrust(env))[trustKey(file)];
  if (!record) return 'untrusted';
  return digest !== undefined && record.sha256 === digest ? 'trusted' : 'changed';
}

export async function recordTrust(env: NodeJS.ProcessEnv, file: string, digest: string, now: Date = new Date()): Promise<void> {
  const files = await readTrust(env);
  files[trustKey(file)] = { sha256: digest, trustedAt: now.toISOString() };
  await writeTrust(env, files);
}

/** True when there was a record to remove. */
export async function revokeTrust(env: NodeJS.ProcessEnv, file: string): Promise<boolean> {
  const files = await readTrust(env);
  const key = files[trustKey(file)] ? trustKey(file) : files[file] ? file : undefined;
  if (!key) return false;
  delete files[key];
  await writeTrust(env, files);
  return true;
}

async function writeTrust(env: NodeJS.ProcessEnv, files: Record<string, TrustRecord>): Promise<void> {
  const file = trustStoreFile(env);
  mkdirSync(stateDir(env), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ version: 1, files }, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
