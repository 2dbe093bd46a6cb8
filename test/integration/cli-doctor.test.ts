// doctor against real upstreams: a healthy setup passes (exit 0); a wrong
// secret fails at the signed request with the upstream's reason; a dead
// upstream fails at TCP with the detail; a Date 10 minutes off fails on skew.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { listen, refusingPort } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'doctor-secret-6a7b8c9d';
let upstream: SdkUpstream;
let home: string;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-doc', secret: SECRET, basePath: '/mcp' });
  home = mkdtempSync(join(tmpdir(), 'map-doctor-'));
});
afterEach(async () => {
  await upstream.close();
});

const env = (extra: NodeJS.ProcessEnv) =>
  cleanEnv({ HOME: home, XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', MCP_API_KEY: 'key-doc', MCP_LISTEN_ADDR: '127.0.0.1:0', ...extra });

test('a healthy setup: every check passes or warns, exit 0', async () => {
  const result = await runCli(['doctor', '--json'], { cwd: home, env: env({ MCP_UPSTREAM_URL: upstream.url, MCP_API_SECRET: SECRET }) });
  const report = JSON.parse(result.stdout);
  expect(report.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
  expect(result.code).toBe(0);
  const names = report.checks.map((c: { name: string }) => c.name);
  expect(names).toEqual(expect.arrayContaining(['node', 'keychain', 'default: secret', 'default: DNS', 'default: TCP', 'default: TLS', 'default: clock', 'default: signed request', 'listen', 'daemon']));
  expect(report.checks.find((c: { name: string }) => c.name === 'default: signed request').status).toBe('pass');
  expect(upstream.rejected()).toEqual([]);
});

test('a wrong secret fails the signed request and shows the upstream’s reason', async () => {
  const result = await runCli(['doctor'], { cwd: home, env: env({ MCP_UPSTREAM_URL: upstream.url, MCP_API_SECRET: 'the-wrong-secret' }) });
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/✗ default: signed request: the upstream refused it: HTTP 401: .*bad signature/);
  expect(result.stdout).toContain('→ Check the key id and secret');
  expect(result.stdout).not.toContain('the-wrong-secret');
});

test('an unreachable upstream fails at TCP with the detail', async () => {
  const dead = await refusingPort();
  const result = await runCli(['doctor'], { cwd: home, env: env({ MCP_UPSTREAM_URL: `http://127.0.0.1:${dead.port}/mcp`, MCP_API_SECRET: SECRET }) });
  dead.release();
  expect(result.code).toBe(1);
  expect(result.stdout).toContain(`✗ default: TCP: 127.0.0.1:${dead.port}: ECONNREFUSED`);
  expect(result.stdout).not.toContain('signed request');
});

test('an upstream whose Date is 10 minutes off fails on clock skew', async () => {
  const skewed = await listen((req, res) => {
    req.resume();
    res.sendDate = false;
    res.writeHead(200, { date: new Date(Date.now() - 10 * 60_000).toUTCString(), 'content-type': 'application/json' }).end('{}');
  });
  const result = await runCli(['doctor'], { cwd: home, env: env({ MCP_UPSTREAM_URL: `${skewed.url}/mcp`, MCP_API_SECRET: SECRET }) });
  await skewed.close();
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/✗ default: clock: this machine is (59\d|60\d) s ahead of the upstream/);
  expect(result.stdout).toContain('Sync the clock');
});
