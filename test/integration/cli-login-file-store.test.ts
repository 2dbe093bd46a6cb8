// login/logout/config on a machine with no keychain (no D-Bus session):
// login refuses and writes nothing unless --insecure-storage; with it, the
// secret lands in a 0600 file, the config gains a keychain: reference, the
// check request is signed and accepted, and `start` serves with it.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, finished, runCli, runCliWithInput, spawnCli, waitForOutput } from '../helpers/cli.js';
import { initialize, refusingPort } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'file-store-secret-31f5c2';
let upstream: SdkUpstream;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-login', secret: SECRET, basePath: '/mcp' });
  home = mkdtempSync(join(tmpdir(), 'map-login-'));
  // No reachable Secret Service, whatever the machine running the tests has.
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
});
afterEach(async () => {
  await upstream.close();
});

const withStdin = (args: string[], input: string) => runCliWithInput(args, input, { cwd: home, env });

const configFile = () => join(home, 'config', 'mcp-auth-proxy', 'config.json');
const storeFile = () => join(home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json');

test('without a keychain, login exits 1, names --insecure-storage and writes nothing', async () => {
  const result = await withStdin(['login', 'gw', '--url', upstream.url, '--key-id', 'key-login', '--stdin'], SECRET);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('No OS keychain is available here, so nothing was stored');
  expect(result.stderr).toContain('--insecure-storage');
  expect(existsSync(configFile())).toBe(false);
  expect(existsSync(storeFile())).toBe(false);
  expect(result.stdout + result.stderr).not.toContain(SECRET);
});

test('--insecure-storage: stored 0600, config referenced, verified, served by start, removed by logout', async () => {
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(configFile(), JSON.stringify({ logLevel: 'info', servers: { other: { url: 'https://other.example/mcp', auth: { type: 'none' } } } }));
  const login = await withStdin(['login', 'gw', '--url', upstream.url, '--key-id', 'key-login', '--stdin', '--insecure-storage'], `${SECRET}\n`);
  expect(login.stderr).not.toContain('error:');
  expect(login.code).toBe(0);
  expect(login.stdout).toContain('accepted the signed request');
  expect(login.stderr).toContain('warning: --insecure-storage');
  expect(statSync(storeFile()).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(storeFile(), 'utf8'))).toEqual({ gw: SECRET });
  const config = JSON.parse(readFileSync(configFile(), 'utf8'));
  expect(config).toEqual({
    logLevel: 'info',
    servers: {
      other: { url: 'https://other.example/mcp', auth: { type: 'none' } },
      gw: { url: upstream.url, auth: { type: 'hmac', keyId: 'key-login', secret: 'keychain:gw' } },
    },
  });
  expect(upstream.rejected()).toEqual([]);
  expect(login.stdout + login.stderr).not.toContain(SECRET);

  const child = spawnCli(['start', '--listen', '127.0.0.1:0'], { cwd: home, env });
  const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const res = await initialize(`${url}/gw/mcp`);
  expect(res.status).toBe(200);
  child.kill('SIGTERM');
  const served = await finished(child);
  expect(served.stderr).toContain('secret read from the insecure file store');
  expect(served.stdout + served.stderr).not.toContain(SECRET);
  expect(upstream.rejected()).toEqual([]);

  const logout = await runCli(['logout', 'gw'], { cwd: home, env });
  expect(logout.code).toBe(0);
  expect(logout.stdout).toContain('Removed keychain:gw from the insecure file store');
  expect(JSON.parse(readFileSync(storeFile(), 'utf8'))).toEqual({});
});

test('a wrong secret is stored but reported with the upstream’s reason, exit 1', async () => {
  const result = await withStdin(['login', 'gw', '--url', upstream.url, '--key-id', 'key-login', '--stdin', '--insecure-storage'], 'not-the-secret');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('refused the signed request: HTTP 401');
  expect(result.stderr).toContain('bad signature');
  expect(result.stderr).not.toContain('not-the-secret');
});

test('an unreachable upstream at login stores nothing, adds no entry, points at doctor and --no-verify, exit 1', async () => {
  const dead = await refusingPort();
  const url = `http://127.0.0.1:${dead.port}/mcp`;
  const result = await withStdin(['login', 'gw', '--url', url, '--key-id', 'k', '--stdin', '--insecure-storage'], SECRET);
  dead.release();
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`Nothing was stored: the check could not reach ${url}: could not connect (ECONNREFUSED)`);
  expect(result.stderr).toContain('mcp-auth-proxy doctor');
  expect(result.stderr).toContain('mcp-auth-proxy login gw --no-verify');
  expect(existsSync(storeFile())).toBe(false);
  expect(existsSync(configFile())).toBe(false);
});

test('login with no terminal and no --stdin is a usage error', async () => {
  const result = await runCli(['login', 'gw', '--url', upstream.url, '--key-id', 'k'], { cwd: home, env });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('pass --stdin');
});

test('config shows every value with its source; --json parses', async () => {
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(configFile(), JSON.stringify({ servers: { gw: { url: upstream.url, auth: { type: 'hmac', keyId: 'k', secret: 'keychain:gw' } } } }));
  const human = await runCli(['config'], { cwd: home, env: { ...env, MCP_LOG_LEVEL: 'debug' } });
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/servers\.gw\.auth\.secret\s+"keychain:gw"\s+← .*config\.json/);
  expect(human.stdout).toMatch(/logLevel\s+"debug"\s+← environment MCP_LOG_LEVEL/);
  expect(human.stdout).toMatch(/requestTimeout\s+"20s"\s+← default/);
  const json = await runCli(['config', '--json'], { cwd: home, env });
  const parsed = JSON.parse(json.stdout);
  expect(parsed.sources['servers.gw.url']).toBe(configFile());
  expect(parsed.config.servers.gw.auth.secret).toBe('keychain:gw');
});
