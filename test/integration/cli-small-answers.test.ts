// Small answers that were wrong, one test each: login's "Next:" line, stop
// --timeout durations, demo --allow-remote, `help <unknown>`, Ctrl-C during
// start --detach, doctor with the insecure store and no keychain, config
// showing durations as written.
import { rmSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, finished, runCli, runCliWithInput, spawnCli, waitForOutput } from '../helpers/cli.js';
import { eventually, listen, request } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'small-answers-secret-8d9e0f1a';

function sandbox(config?: object) {
  const home = mkdtempSync(join(tmpdir(), 'map-small-'));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  const userFile = join(home, 'config', 'mcp-auth-proxy', 'config.json');
  mkdirSync(join(userFile, '..'), { recursive: true });
  if (config) writeFileSync(userFile, JSON.stringify(config));
  return { home, env, userFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('login says what comes next', () => {
  let upstream: SdkUpstream;
  beforeAll(async () => {
    upstream = await startSdkUpstream({ keyId: 'key-next', secret: SECRET, basePath: '/mcp' });
  });
  afterAll(() => upstream.close());

  test('the configured listen address; with a daemon running, that it already uses the login, or `reload` when it could not take it', async () => {
    const { home, env } = sandbox({ listen: '127.0.0.1:0' });
    const login = (extra: string[] = []) =>
      runCliWithInput(['login', 'gw', '--url', upstream.url, '--key-id', 'key-next', '--stdin', '--insecure-storage', ...extra], `${SECRET}\n`, { cwd: home, env: { ...env, MCP_LISTEN_ADDR: '127.0.0.1:8931' } });
    const first = await login();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Next: `mcp-auth-proxy start`, then point your agent at http://127.0.0.1:8931/gw/mcp.');

    // The daemon also reads a --config file, so it can be made unable to read its config again.
    const extra = join(home, 'extra.json');
    writeFileSync(extra, JSON.stringify({ logLevel: 'info' }));
    const started = await runCli(['start', '--detach', '--config', extra], { cwd: home, env });
    expect(started.code).toBe(0);
    const [, url, pid] = /running at (http:\/\/\S+) \(pid (\d+)\)/.exec(started.stdout) ?? [];
    try {
      const again = await runCliWithInput(['login', 'gw', '--stdin', '--insecure-storage'], `${SECRET}\n`, { cwd: home, env });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`Next: the running proxy (pid ${pid}) already uses it; point your agent at ${url}/gw/mcp.`);
      rmSync(extra);
      const stuck = await runCliWithInput(['login', 'gw', '--stdin', '--insecure-storage'], `${SECRET}\n`, { cwd: home, env });
      expect(stuck.code).toBe(0);
      expect(stuck.stderr).toContain('could not take the change');
      expect(stuck.stdout).toContain(`Next: \`mcp-auth-proxy reload\` so the running proxy (pid ${pid}) uses it, then point your agent at ${url}/gw/mcp.`);
    } finally {
      await runCli(['stop'], { cwd: home, env });
    }
  });
});

test('stop --timeout takes a duration: "200ms" gives up on a daemon still draining (exit 1) instead of waiting it out', async () => {
  const held: Array<() => void> = [];
  const hanging = await listen((req) => void held.push(() => req.socket.destroy()));
  const { home, env } = sandbox({ listen: '127.0.0.1:0', shutdownTimeout: '20s', servers: { slow: { url: `${hanging.url}/mcp`, auth: { type: 'none' } } } });
  const started = await runCli(['start', '--detach'], { cwd: home, env });
  expect(started.code).toBe(0);
  const [, url, pidText] = /running at (http:\/\/\S+) \(pid (\d+)\)/.exec(started.stdout) ?? [];
  const pid = Number(pidText);
  const inFlight = request(`${url}/slow/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' }).catch(() => undefined);
  await eventually(() => held.length > 0);
  try {
    const stop = await runCli(['stop', '--timeout', '200ms'], { cwd: home, env });
    expect(stop.stderr).toContain(`pid ${pid} is still draining`);
    expect(stop.code).toBe(1);
    expect((await runCli(['stop', '--timeout', 'soon'], { cwd: home, env })).code).toBe(2);
  } finally {
    for (const release of held) release();
    await inFlight;
    await eventually(() => !alive(pid), 2000);
    await hanging.close();
  }
});

test('demo accepts --allow-remote, as the error for a non-loopback --listen says', async () => {
  const refused = await runCli(['demo', '--once', '--listen', '0.0.0.0:0']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('pass --allow-remote');
  const demo = await runCli(['demo', '--once', '--listen', '0.0.0.0:0', '--allow-remote']);
  expect(demo.stderr).not.toContain('error:');
  expect(demo.code).toBe(0);
  // Agents must use the loopback name: the Host check refuses 0.0.0.0.
  expect(demo.stdout).toMatch(/Proxy in front of it: +http:\/\/127\.0\.0\.1:\d+\/mcp/);
});

test('help <unknown command> is a usage error (exit 2); help <command> still works', async () => {
  const unknown = await runCli(['help', 'strat']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('error: help: unknown command "strat"');
  expect(unknown.stdout).toBe('');
  const known = await runCli(['help', 'stop']);
  expect(known.code).toBe(0);
  expect(known.stdout).toContain('Usage: mcp-auth-proxy stop');
});

test('Ctrl-C while start --detach waits stops the daemon it was starting, and says so', async () => {
  const { home, env } = sandbox({ servers: { gw: { url: 'http://127.0.0.1:9/mcp', auth: { type: 'none' } } } });
  // The daemon (its `start` child) holds before it can get ready, so the wait is certain to be interrupted.
  const pidFile = join(home, 'daemon.pid');
  const hold = join(home, 'hold.mjs');
  writeFileSync(hold, `import { writeFileSync } from 'node:fs';\nif (process.argv.includes('start') && !process.argv.includes('--detach')) {\n  writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\n  setInterval(() => {}, 1 << 30);\n  await new Promise(() => {});\n}\n`);
  const child = spawnCli(['start', '--detach'], { cwd: home, env: { ...env, NODE_OPTIONS: `--import=${hold}` } });
  await waitForOutput(child, /Starting the daemon/, 'stderr');
  await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 3000);
  const daemonPid = Number(readFileSync(pidFile, 'utf8'));
  expect(alive(daemonPid)).toBe(true);
  child.kill('SIGINT');
  const result = await finished(child);
  expect(result.code).toBe(130);
  expect(result.stderr).toContain(`stopped the daemon that was starting (pid ${daemonPid}); nothing is left running`);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(alive(daemonPid)).toBe(false);
});

test('doctor warns (not fails) on a missing keychain when the insecure store holds the secrets', async () => {
  const upstream = await startSdkUpstream({ keyId: 'key-doc', secret: SECRET, basePath: '/mcp' });
  try {
    const { home, env } = sandbox();
    const login = await runCliWithInput(['login', 'gw', '--url', upstream.url, '--key-id', 'key-doc', '--stdin', '--insecure-storage'], `${SECRET}\n`, { cwd: home, env });
    expect(login.code).toBe(0);
    const doctor = await runCli(['doctor', '--json'], { cwd: home, env });
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }).checks;
    expect(checks.find((c) => c.name === 'keychain')).toMatchObject({ status: 'warn', detail: expect.stringContaining('the secrets are in the insecure file store') });
    expect(checks.find((c) => c.name === 'gw: signed request')?.status).toBe('pass');
  } finally {
    await upstream.close();
  }
});

test('config shows durations and sizes as written ("20s", "4MB"), defaults in the same form', async () => {
  const { home, env } = sandbox({ requestTimeout: '1m30s', maxBodyBytes: '2MB', servers: { a: { url: 'https://a.example/mcp', timeout: '45s', auth: { type: 'none' } } } });
  const result = await runCli(['config'], { cwd: home, env });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^requestTimeout +"1m30s" +← .*config\.json$/m);
  expect(result.stdout).toMatch(/^servers\.a\.timeout +"45s" +←/m);
  expect(result.stdout).toMatch(/^maxBodyBytes +"2MB" +←/m);
  expect(result.stdout).toMatch(/^shutdownTimeout +"10s" +← default$/m);
  expect(result.stdout).toMatch(/^audit\.maxBytes +"10MB" +← default$/m);
});
