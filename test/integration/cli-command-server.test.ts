// A command server through the CLI, on a machine with no keychain: login
// starts it once with the secret typed in and only then stores it, the
// daemon serves it, status shows its process (pid, uptime, memory,
// restarts), doctor finds the program and starts it, mcp-json points agents
// at the proxy (or at the bridge), a login while the daemon runs reaches it,
// and logout removes the secret.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, runCliWithInput } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { SDK_SERVER, connectClient, textOf } from '../helpers/stdio-servers.js';

const TOKEN = 'command-login-token-4d5e6f7a';
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-cli-cmd-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { tools: { command: process.execPath, args: [SDK_SERVER], env: { API_TOKEN: 'keychain:tools-token', MODE: 'cli' } } } }));
});

const cli = (args: string[], input?: string) => (input === undefined ? runCli(args, { cwd: home, env }) : runCliWithInput(args, input, { cwd: home, env }));

test('login proves the command starts, then stores; doctor, mcp-json and logout know it', async () => {
  const login = await cli(['login', 'tools', '--stdin', '--insecure-storage'], TOKEN);
  expect(login.stderr).toContain('Checking it by starting');
  expect(login.stdout).toMatch(/✓ tools started in [\d.]+ s: sdk-stdio-test 1\.0\.0, \d+ tools\./);
  expect(login.stdout).toContain('Stored API_TOKEN for "tools" in the insecure file store (keychain:tools-token).');
  expect(login.code).toBe(0);

  const doctor = await cli(['doctor', '--json']);
  const checks = JSON.parse(doctor.stdout).checks as Array<{ name: string; status: string; detail: string }>;
  expect(checks).toContainEqual(expect.objectContaining({ name: 'tools: command', status: 'pass', detail: expect.stringContaining(SDK_SERVER) }));
  expect(checks).toContainEqual(expect.objectContaining({ name: 'tools: secret', status: 'pass', detail: 'env API_TOKEN, MODE resolved' }));
  expect(checks).toContainEqual(expect.objectContaining({ name: 'tools: starts', status: 'pass', detail: expect.stringMatching(/^started in [\d.]+ s: sdk-stdio-test 1\.0\.0, \d+ tools$/) }));

  const cursor = await cli(['mcp-json', '--client', 'cursor']);
  expect(JSON.parse(cursor.stdout)).toEqual({ mcpServers: { tools: { type: 'http', url: 'http://127.0.0.1:8787/tools/mcp' } } });
  const desktop = await cli(['mcp-json', '--client', 'claude-desktop']);
  expect(JSON.parse(desktop.stdout).mcpServers.tools.args).toEqual([expect.stringContaining('mcp-auth-proxy.js'), 'stdio', 'tools']);

  for (const result of [login, doctor, cursor, desktop]) expect(result.stdout + result.stderr).not.toContain(TOKEN);
  const logout = await cli(['logout', 'tools']);
  expect(logout.stdout).toContain('Removed keychain:tools-token from the insecure file store');
});

test('a wrong command is not stored: login says why and stores nothing', async () => {
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { tools: { command: 'no-such-mcp-server-here', env: { API_TOKEN: 'keychain:tools-token' } } } }));
  const login = await cli(['login', 'tools', '--stdin', '--insecure-storage'], TOKEN);
  expect(login.code).toBe(1);
  expect(login.stderr).toContain('Nothing was stored: "tools" did not start with it');
  expect(login.stderr).toContain('could not start (ENOENT); check that "no-such-mcp-server-here" is installed and on the PATH the proxy runs with');
  const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout).checks as Array<{ name: string; status: string; detail: string }>;
  expect(doctor).toContainEqual(expect.objectContaining({ name: 'tools: command', status: 'fail', detail: 'no-such-mcp-server-here is not found on PATH' }));
});

test('status shows the processes; a login while the daemon runs gives new sessions the new value', async () => {
  expect((await cli(['login', 'tools', '--stdin', '--insecure-storage', '--no-verify'], TOKEN)).code).toBe(0);
  const daemon = await startDaemon(env, home);
  try {
    const client = await connectClient(`${daemon.url}/tools/mcp`);
    const first = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number; hash: string };
    const listen = ['--listen', new URL(daemon.url).host];
    const status = await cli(['status', ...listen]);
    expect(status.stdout).toContain(`tools: ${daemon.url}/tools/mcp → runs ${process.execPath} ${SDK_SERVER} (per-session)`);
    expect(status.stdout).toMatch(new RegExp(`process: pid ${first.pid}, session, ready, up \\d+s, [\\d.]+ MB, 0 restarts, 1 session`));
    // Resolved at start and held in memory: no file but the secret store holds the value (the process records neither).
    const files = readdirSync(home, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'secrets.insecure.json');
    expect(files.some((e) => e.parentPath.endsWith('children'))).toBe(true);
    for (const e of files) expect([e.name, readFileSync(join(e.parentPath, e.name), 'utf8').includes(TOKEN)]).toEqual([e.name, false]);
    const json = JSON.parse((await cli(['status', '--json', ...listen])).stdout) as { servers: { tools: { children: Array<{ pid: number; memoryBytes: number; restarts: number }> } } };
    expect(json.servers.tools.children).toEqual([expect.objectContaining({ pid: first.pid, restarts: 0, memoryBytes: expect.any(Number) })]);

    const again = await cli(['login', 'tools', '--stdin', '--insecure-storage', '--no-verify'], 'a-new-token-value-8b9c');
    expect(again.stderr).toContain('now uses the new credential for "tools"');
    const fresh = await connectClient(`${daemon.url}/tools/mcp`);
    const second = JSON.parse(textOf(await fresh.callTool({ name: 'env', arguments: {} }))) as { pid: number; hash: string };
    expect(second.hash).not.toBe(first.hash);
    await Promise.all([client.close(), fresh.close()]);
  } finally {
    await daemon.stop();
  }
  expect(daemon.log()).not.toContain(TOKEN);
});
