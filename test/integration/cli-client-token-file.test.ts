// A damaged client token file (empty or cut short by a crash or a full disk
// during its first write) never turns the check off or makes it guessable:
// doctor reports it, start replaces it with a new token and says so, the state
// directory is tightened to 0700, and a caller without the new token gets 401.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { countingUpstream, request } from '../helpers/net.js';

let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  upstream = await countingUpstream();
  home = mkdtempSync(join(tmpdir(), 'map-token-file-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', clientToken: true, servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } }));
});
afterEach(async () => {
  await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home });
  await upstream.close();
});

const stateDir = () => join(home, 'state', 'mcp-auth-proxy');
const tokenFile = () => join(stateDir(), 'client-token');
const json = { 'content-type': 'application/json' };

test.each([
  ['empty', '', 'it is empty'],
  ['one character', 'x\n', 'it does not hold a token of 43 base64url characters'],
])('a token file that is %s is replaced at start: no token → 401, the old content is no token', async (_kind, content, reason) => {
  mkdirSync(stateDir(), { recursive: true });
  chmodSync(stateDir(), 0o755);
  writeFileSync(tokenFile(), content, { mode: 0o600 });

  const before = await runCli(['doctor', '--json', '--listen', '127.0.0.1:0'], { env, cwd: home });
  const check = (JSON.parse(before.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }).checks.find((c) => c.name === 'local callers');
  expect(check).toMatchObject({ status: 'fail' });
  expect(check?.detail).toContain(`is invalid: ${reason}`);

  const started = await runCli(['start', '--detach'], { env, cwd: home });
  // The daemon's own words first, should it fail to start.
  expect(started.stderr).not.toContain('error:');
  expect(started.code).toBe(0);
  expect(started.stderr).toContain(`warning: the client token file was invalid (${reason}), so a new token was generated`);
  expect(started.stderr).toContain('mcp-auth-proxy mcp-json --client NAME --write');
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  // doctor's signed request reached the upstream; count from here.
  const hits = upstream.hits();

  const token = readFileSync(tokenFile(), 'utf8').trim();
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
  expect(statSync(stateDir()).mode & 0o777).toBe(0o700);

  expect((await request(`${url}/gw/mcp`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
  expect((await request(`${url}/gw/mcp`, { method: 'POST', headers: { ...json, 'x-mcp-proxy-token': content.trim() }, body: '{}' })).status).toBe(401);
  expect(upstream.hits()).toBe(hits);
  expect((await request(`${url}/gw/mcp`, { method: 'POST', headers: { ...json, 'x-mcp-proxy-token': token }, body: '{}' })).status).toBe(200);
  expect(upstream.hits()).toBe(hits + 1);

  const after = await runCli(['doctor', '--json', '--listen', '127.0.0.1:0'], { env, cwd: home });
  expect((JSON.parse(after.stdout) as { checks: Array<{ name: string; status: string }> }).checks.find((c) => c.name === 'local callers')).toMatchObject({ status: 'pass' });
});
