import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretError } from '../../src/errors.js';
import { Redactor } from '../../src/observability/redact.js';
import { SecretResolver } from '../../src/secrets/resolve.js';
import type { SecretStore } from '../../src/secrets/store.js';

const field = 'servers.gw.auth.secret';

async function failure(promise: Promise<unknown>): Promise<SecretError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SecretError);
  return error as SecretError;
}

test('env references resolve and are registered for redaction at once', async () => {
  const redactor = new Redactor();
  const value = await new SecretResolver({ env: { GW_SECRET: 'from-env-123' }, redactor }).resolve('env:GW_SECRET', field, 'gw');
  expect(value).toBe('from-env-123');
  expect(redactor.redact('x from-env-123 y')).toBe('x [REDACTED] y');
});

test('a missing env variable names the variable and the login command', async () => {
  const error = await failure(new SecretResolver({ env: {}, redactor: new Redactor() }).resolve('env:GW_SECRET', field, 'gw'));
  expect(error.code).toBe('SECRET_ENV_MISSING');
  expect(error.message).toContain('GW_SECRET');
  expect(error.hint).toContain('mcp-auth-proxy login gw');
});

test('file references need mode 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-sec-'));
  const file = join(dir, 'secret');
  writeFileSync(file, 'from-file-456\n');
  chmodSync(file, 0o644);
  const resolver = new SecretResolver({ env: {}, redactor: new Redactor(), platform: 'linux' });
  const error = await failure(resolver.resolve(`file:${file}`, field, 'gw'));
  expect(error.code).toBe('SECRET_FILE_MODE');
  expect(error.message).toContain('mode 644');
  expect(error.hint).toBe(`Run \`chmod 600 ${file}\`.`);
  chmodSync(file, 0o600);
  expect(await resolver.resolve(`file:${file}`, field, 'gw')).toBe('from-file-456');
});

test('a missing file is a clear error', async () => {
  const error = await failure(new SecretResolver({ env: {}, redactor: new Redactor() }).resolve('file:/nonexistent/secret', field, 'gw'));
  expect(error.code).toBe('SECRET_FILE_MISSING');
});

test('keychain references without a keychain say so', async () => {
  const error = await failure(new SecretResolver({ env: {}, redactor: new Redactor() }).resolve('keychain:gw', field, 'gw'));
  expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
});

test('keychain references use the injected store and name the login command when absent', async () => {
  const values = new Map([['gw', 'from-keychain-789']]);
  const store: SecretStore = {
    label: 'test store',
    get: async (a) => values.get(a),
    set: async () => undefined,
    delete: async () => false,
  };
  const resolver = new SecretResolver({ env: {}, redactor: new Redactor(), store });
  expect(await resolver.resolve('keychain:gw', field, 'gw')).toBe('from-keychain-789');
  const error = await failure(resolver.resolve('keychain:other', field, 'other'));
  expect(error.code).toBe('SECRET_NOT_FOUND');
  expect(error.hint).toBe('Run `mcp-auth-proxy login other` to store it.');
});
