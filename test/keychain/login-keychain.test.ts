// Under a real Secret Service: `login --stdin` stores the secret where
// secret-tool finds it, `start` resolves it and the upstream accepts the
// signatures, `logout` removes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, runCli, runCliWithInput, spawnCli, waitForOutput } from '../helpers/cli.js';
import { initialize } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'keychain-suite-secret-8d2e4f';
let upstream: SdkUpstream;
let env: NodeJS.ProcessEnv;
let home: string;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-kc', secret: SECRET, basePath: '/mcp' });
  home = mkdtempSync(join(tmpdir(), 'map-kc-'));
  env = {
    PATH: process.env.PATH,
    HOME: home,
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
    XDG_DATA_HOME: process.env.XDG_DATA_HOME,
    XDG_CONFIG_HOME: join(home, 'config'),
  };
});
afterEach(async () => {
  await upstream.close();
});

const lookup = (account: string) => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'mcp-auth-proxy', 'username', account], { encoding: 'utf8', env: process.env });
  } catch {
    return undefined;
  }
};

const loginWithStdin = (args: string[], input: string) => runCliWithInput(args, input, { cwd: home, env });

test('login stores in the keychain, start serves with it, logout removes it', async () => {
  const login = await loginWithStdin(['login', 'kcgw', '--url', upstream.url, '--key-id', 'key-kc', '--stdin'], SECRET);
  expect(login.stderr).not.toContain('error:');
  expect(login.code).toBe(0);
  expect(login.stdout).toContain('in the OS keychain (keychain:kcgw)');
  expect(lookup('kcgw')).toBe(SECRET);

  const child = spawnCli(['start', '--listen', '127.0.0.1:0'], { cwd: home, env });
  const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const res = await initialize(`${url}/kcgw/mcp`);
  expect(res.status).toBe(200);
  child.kill('SIGTERM');
  const served = await finished(child);
  expect(served.code).toBe(0);
  expect(served.stdout + served.stderr).not.toContain(SECRET);
  expect(upstream.received.length).toBeGreaterThanOrEqual(2);
  expect(upstream.rejected()).toEqual([]);

  const logout = await runCli(['logout', 'kcgw'], { cwd: home, env });
  expect(logout.code).toBe(0);
  expect(logout.stdout).toContain('Removed keychain:kcgw from the OS keychain');
  expect(lookup('kcgw')).toBeUndefined();
});
