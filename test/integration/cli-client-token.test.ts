// A daemon started with clientToken: the CLI's own commands (status, reload)
// present the token from the state dir and work; a request without it gets
// 401; doctor reports the token as the local-caller protection in force.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { countingUpstream, request } from '../helpers/net.js';

let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  upstream = await countingUpstream();
  home = mkdtempSync(join(tmpdir(), 'map-cli-token-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', clientToken: true, servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } }));
});
afterEach(async () => {
  await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home });
  await upstream.close();
});

test('status and reload use the token; a caller without it gets 401; doctor says the token is required', async () => {
  const started = await runCli(['start', '--detach'], { env, cwd: home });
  expect(started.code).toBe(0);
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  const token = readFileSync(join(home, 'state', 'mcp-auth-proxy', 'client-token'), 'utf8').trim();

  const status = await runCli(['status', '--json', '--listen', '127.0.0.1:0'], { env, cwd: home });
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ running: true, servers: { gw: { auth: 'none' } } });
  expect((await runCli(['reload', '--listen', '127.0.0.1:0'], { env, cwd: home })).code).toBe(0);

  const json = { 'content-type': 'application/json' };
  expect((await request(`${url}/gw/mcp`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
  expect((await request(`${url}/gw/mcp`, { method: 'POST', headers: { ...json, 'x-mcp-proxy-token': token }, body: '{}' })).status).toBe(200);
  expect(upstream.hits()).toBe(1);

  const doctor = await runCli(['doctor', '--json', '--listen', '127.0.0.1:0'], { env, cwd: home });
  const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }).checks;
  expect(checks.find((c) => c.name === 'local callers')).toMatchObject({ status: 'pass', detail: 'the client token is required of every caller (the running daemon refused a request without it)' });
  expect(doctor.stdout + status.stdout).not.toContain(token);
});
