// login refuses authorization servers it must not trust, with the reason:
// one that does not advertise PKCE S256, and one whose metadata names a
// different issuer than the one it was found for. Nothing is stored or
// written to the config, and the browser step is never reached.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startOAuthBed, type OAuthBed } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
afterEach(async () => {
  await bed.close();
});

const login = () =>
  runCli(['login', 'linear', '--url', bed.as.mcpUrl, '--type', 'oauth', '--insecure-storage', '--no-browser', '--timeout', '5s'], { env: cleanEnv(bed.env), cwd: bed.home });

function expectNothingWritten(): void {
  expect(bed.as.counts.authorize).toBe(0);
  expect(bed.as.counts.register).toBe(0);
  expect(existsSync(join(bed.home, 'config', 'mcp-auth-proxy', 'config.json'))).toBe(false);
  expect(existsSync(bed.file.path)).toBe(false);
}

test('an authorization server that does not advertise PKCE S256 is refused', async () => {
  bed = await startOAuthBed({ advertisePkce: false });
  const result = await login();
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('does not advertise PKCE S256');
  expect(result.stderr).not.toContain('/authorize?');
  expectNothingWritten();
});

test('metadata whose issuer does not match the one it was fetched for is refused', async () => {
  bed = await startOAuthBed({ metadataIssuer: 'https://impostor.example' });
  const result = await login();
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`claims issuer "https://impostor.example", but it was fetched for "${bed.as.issuer}"`);
  expectNothingWritten();
});

test('an unreachable server fails discovery with the doctor hint', async () => {
  bed = await startOAuthBed();
  const url = bed.as.mcpUrl;
  await bed.as.close();
  const result = await runCli(['login', 'linear', '--url', url, '--type', 'oauth', '--insecure-storage', '--no-browser'], { env: cleanEnv(bed.env), cwd: bed.home });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/cannot reach .*ECONNREFUSED/);
  expect(result.stderr).toContain('mcp-auth-proxy doctor');
  bed.as.close = async () => undefined;
});
