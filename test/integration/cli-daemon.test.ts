// start --detach → status (running) → a second start refused → stop →
// status (not running); and a planted secret appears in none of status,
// status --json, doctor, doctor --json, config, config --json, mcp-json.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { initialize } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const PLANTED = 'planted-daemon-secret-4b5c6d7e';
let upstream: SdkUpstream;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-daemon', secret: PLANTED, basePath: '/mcp' });
  home = mkdtempSync(join(tmpdir(), 'map-daemon-'));
  env = cleanEnv({
    HOME: home,
    XDG_STATE_HOME: join(home, 'state'),
    XDG_CONFIG_HOME: join(home, 'config'),
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    MCP_UPSTREAM_URL: upstream.url,
    MCP_API_KEY: 'key-daemon',
    MCP_API_SECRET: PLANTED,
    MCP_LISTEN_ADDR: '127.0.0.1:0',
  });
});
afterEach(async () => {
  await runCli(['stop'], { cwd: home, env });
  await upstream.close();
});

test('detach, status, refuse a second start, stop, status; the secret shows nowhere', async () => {
  const started = await runCli(['start', '--detach'], { cwd: home, env });
  expect(started.stderr).not.toContain('error:');
  expect(started.code).toBe(0);
  const [, url] = /running at (http:\/\/\S+) \(pid (\d+)\)/.exec(started.stdout) ?? [];
  expect(url).toBeDefined();
  expect((await initialize(`${url}/mcp`)).status).toBe(200);

  const status = await runCli(['status'], { cwd: home, env });
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`is running at ${url}`);
  expect(status.stdout).toContain('auth hmac, credential present');
  expect(status.stdout).toMatch(/last upstream call: HTTP 200 in \d+ ms/);
  // The headline counters (the initialize above; the status request itself is not a server's).
  expect(status.stdout).toContain('requests: 1, 5xx answers: 0, open streams: 0 (since start)');
  expect(status.stdout).toContain(`${url}/metrics (Prometheus)`);
  const statusJson = await runCli(['status', '--json'], { cwd: home, env });
  expect(JSON.parse(statusJson.stdout)).toMatchObject({ running: true, url, servers: { default: { auth: 'hmac', credential: 'present', last: { status: 200 }, counters: { requests: 1, errors: 0 } } } });

  const second = await runCli(['start'], { cwd: home, env: { ...env, MCP_LISTEN_ADDR: new URL(url as string).host } });
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(`already running at ${url} (pid`);

  const outputs = [started, status, statusJson, second];
  for (const args of [['doctor'], ['doctor', '--json'], ['config'], ['config', '--json'], ['mcp-json'], ['mcp-json', '--client', 'codex']]) {
    outputs.push(await runCli(args, { cwd: home, env }));
  }
  for (const output of outputs) expect(output.stdout + output.stderr).not.toContain(PLANTED);
  const daemonLog = readFileSync(join(home, 'state', 'mcp-auth-proxy', 'daemon.log'), 'utf8');
  expect(daemonLog).toContain('"message":"listening"');
  expect(daemonLog).not.toContain(PLANTED);

  const stopped = await runCli(['stop'], { cwd: home, env });
  expect(stopped.code).toBe(0);
  expect(stopped.stdout).toContain('Stopped mcp-auth-proxy');
  const after = await runCli(['status'], { cwd: home, env });
  expect(after.code).toBe(1);
  expect(after.stdout).toContain('is not running');
  const stopAgain = await runCli(['stop'], { cwd: home, env });
  expect(stopAgain.code).toBe(1);
  expect(stopAgain.stderr).toContain('No mcp-auth-proxy daemon is running for 127.0.0.1:0');
  expect(upstream.rejected()).toEqual([]);
});

test('a daemon on all interfaces is reached over loopback: status and stop find it, though the Host check refuses 0.0.0.0', async () => {
  const started = await runCli(['start', '--detach', '--allow-remote'], { cwd: home, env: { ...env, MCP_LISTEN_ADDR: '0.0.0.0:0' } });
  expect(started.stderr).not.toContain('error:');
  expect(started.code).toBe(0);
  const [, url] = /running at (http:\/\/\S+) \(pid (\d+)\)/.exec(started.stdout) ?? [];
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const status = await runCli(['status', '--json'], { cwd: home, env: { ...env, MCP_LISTEN_ADDR: '0.0.0.0:0' } });
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url });
  const stopped = await runCli(['stop'], { cwd: home, env: { ...env, MCP_LISTEN_ADDR: '0.0.0.0:0' } });
  expect(stopped.code).toBe(0);
});
