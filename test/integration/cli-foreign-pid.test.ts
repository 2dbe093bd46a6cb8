// A state file whose pid now belongs to another program (the daemon crashed
// and the pid was reused): stop, status and doctor leave that program alone
// and treat the file as stale, and start is not blocked by it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { listen } from '../helpers/net.js';

let home: string;
let foreign: ChildProcess;
let exited: Promise<NodeJS.Signals | null>;
let held: Awaited<ReturnType<typeof listen>>;
let env: NodeJS.ProcessEnv;
let listenAddress: string;

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'map-foreign-'));
  foreign = spawn('sleep', ['1000'], { stdio: 'ignore' });
  exited = new Promise((resolve) => foreign.once('exit', (_code, signal) => resolve(signal)));
  // A port this test holds: a start that gets past the state file fails on it, which proves it got past.
  held = await listen((_req, res) => res.end());
  listenAddress = `127.0.0.1:${held.port}`;
  env = cleanEnv({ HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
});
afterEach(async () => {
  foreign.kill('SIGKILL');
  await exited;
  await held.close();
});

const stateFile = () => join(home, 'state', 'mcp-auth-proxy', `daemon-127.0.0.1-${held.port}.json`);
function plantState(): void {
  mkdirSync(join(home, 'state', 'mcp-auth-proxy'), { recursive: true, mode: 0o700 });
  writeFileSync(stateFile(), JSON.stringify({ pid: foreign.pid, url: `http://${listenAddress}`, listen: listenAddress, version: '0.1.0', startedAt: new Date().toISOString() }));
}

/** The foreign program got no signal from us: the only one it ever gets is this test's SIGKILL. */
async function expectUntouched(): Promise<void> {
  foreign.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

test('stop leaves the foreign process alive and says nothing of ours runs', async () => {
  plantState();
  const stopped = await runCli(['stop', '--listen', listenAddress], { env, cwd: home });
  expect(stopped.code).toBe(1);
  expect(stopped.stderr).toContain(`named pid ${foreign.pid}, which is not mcp-auth-proxy`);
  expect(stopped.stderr).toContain(`No mcp-auth-proxy daemon is running for ${listenAddress}`);
  expect(existsSync(stateFile())).toBe(false);
  await expectUntouched();
});

test('status and doctor report not running, and leave it alone', async () => {
  plantState();
  const status = await runCli(['status', '--listen', listenAddress], { env, cwd: home });
  expect(status.code).toBe(1);
  expect(status.stdout).toContain(`mcp-auth-proxy is not running (${listenAddress})`);
  plantState();
  const doctor = await runCli(['doctor', '--json', '--listen', listenAddress], { env, cwd: home });
  const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }).checks;
  expect(checks.find((c) => c.name === 'daemon')?.detail).toContain(`not running (its state file named pid ${foreign.pid}, which is another program`);
  // The port is held by this test, not by our daemon.
  expect(checks.find((c) => c.name === 'listen')).toMatchObject({ status: 'fail' });
  await expectUntouched();
});

test('start is not blocked by the stale file: it goes on to listen (and here finds the port taken)', async () => {
  plantState();
  const started = await runCli(['start', '--listen', listenAddress], {
    env: { ...env, MCP_UPSTREAM_URL: 'http://127.0.0.1:9/mcp', MCP_API_KEY: 'k', MCP_API_SECRET: 'foreign-pid-secret' },
    cwd: home,
  });
  expect(started.code).toBe(1);
  expect(started.stderr).not.toContain('already running');
  expect(started.stderr).toContain(`stale state file named pid ${foreign.pid}, which is not mcp-auth-proxy`);
  expect(started.stderr).toContain(`Cannot listen on ${listenAddress}: port ${held.port} is already in use`);
  await expectUntouched();
});
