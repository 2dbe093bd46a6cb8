// The client token file: created whole and 0600 on first use, reused while
// valid, replaced (and reported) when empty, short, malformed, a symlink or
// readable by others; the state directory is tightened to 0700 and refused
// when another user owns it.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { jest } from '@jest/globals';
import { join } from 'node:path';
import { clientToken, readClientTokenFile } from '../../src/daemon/client-token.js';

let root: string;
let env: NodeJS.ProcessEnv;
const dir = () => join(root, 'state', 'mcp-auth-proxy');
const file = () => join(dir(), 'client-token');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'map-token-unit-'));
  env = { XDG_STATE_HOME: join(root, 'state') };
});

test('first use creates a 43-character base64url token, 0600, in a 0700 directory, and no temp file is left', async () => {
  const replaced = jest.fn();
  const token = await clientToken(env, { onReplaced: replaced });
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(readFileSync(file(), 'utf8')).toBe(`${token}\n`);
  expect(statSync(file()).mode & 0o777).toBe(0o600);
  expect(statSync(dir()).mode & 0o777).toBe(0o700);
  expect(readdirSync(dir())).toEqual(['client-token']);
  expect(await clientToken(env, { onReplaced: replaced })).toBe(token);
  expect(replaced).not.toHaveBeenCalled();
});

test.each([
  ['empty', '', 'it is empty'],
  ['one character', 'x', 'it does not hold a token of 43 base64url characters'],
  ['one short', 'A'.repeat(42), 'it does not hold a token of 43 base64url characters'],
  ['outside the alphabet', `${'A'.repeat(42)}+`, 'it does not hold a token of 43 base64url characters'],
])('a token file that is %s is replaced and the caller told why', async (_kind, content, reason) => {
  mkdirSync(dir(), { recursive: true });
  writeFileSync(file(), content, { mode: 0o600 });
  expect(await readClientTokenFile(env)).toEqual({ kind: 'invalid', reason });
  const replaced = jest.fn();
  const token = await clientToken(env, { onReplaced: replaced });
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(readFileSync(file(), 'utf8').trim()).toBe(token);
  expect(replaced).toHaveBeenCalledWith(reason, file());
});

test('a token readable by others is replaced (it may have been read), not just tightened', async () => {
  mkdirSync(dir(), { recursive: true });
  const old = 'B'.repeat(43);
  writeFileSync(file(), old);
  chmodSync(file(), 0o644);
  const replaced = jest.fn();
  const token = await clientToken(env, { onReplaced: replaced });
  expect(token).not.toBe(old);
  expect(replaced).toHaveBeenCalledWith('its mode 644 let other users read it', file());
  expect(statSync(file()).mode & 0o777).toBe(0o600);
});

test('a symlink planted at the token path is replaced, never followed: its target keeps its content', async () => {
  mkdirSync(dir(), { recursive: true });
  const target = join(root, 'elsewhere');
  writeFileSync(target, `${'C'.repeat(43)}\n`, { mode: 0o600 });
  symlinkSync(target, file());
  const token = await clientToken(env);
  expect(token).not.toBe('C'.repeat(43));
  expect(lstatSync(file()).isSymbolicLink()).toBe(false);
  expect(readFileSync(target, 'utf8')).toBe(`${'C'.repeat(43)}\n`);
});

test('a looser state directory is tightened to 0700', async () => {
  mkdirSync(dir(), { recursive: true, mode: 0o755 });
  chmodSync(dir(), 0o755);
  await clientToken(env);
  expect(statSync(dir()).mode & 0o777).toBe(0o700);
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;
asRoot('a state directory owned by another user is refused, and no token is written into it', async () => {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  chownSync(dir(), 65534, 65534);
  await expect(clientToken(env)).rejects.toMatchObject({ code: 'STATE_DIR_UNSAFE', hint: expect.stringContaining('chown') });
  expect(existsSync(file())).toBe(false);
});
