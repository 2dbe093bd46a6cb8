// The stdio command mcp-json writes really launches: an agent with a bare
// PATH (as GUI apps get) and another working directory starts the bridge
// from the written file and lists a real upstream's tools; doctor checks
// every written entry and fails once the command no longer exists.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/version.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'launch-secret-1c2d3e4f';
let upstream: SdkUpstream;
beforeAll(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-launch', secret: SECRET });
});
afterAll(() => upstream.close());

function sandbox() {
  const home = mkdtempSync(join(tmpdir(), 'map-launch-'));
  const secretFile = join(home, 'gw.secret');
  writeFileSync(secretFile, SECRET, { mode: 0o600 });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:8898', servers: { gw: { url: upstream.url, auth: { type: 'hmac', keyId: 'key-launch', secret: `file:${secretFile}` } } } }));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  return { home, env, agentFile: join(home, 'claude_desktop_config.json') };
}

interface Check {
  name: string;
  status: string;
  detail: string;
  hint?: string;
}

async function doctorChecks(env: NodeJS.ProcessEnv, cwd: string): Promise<Check[]> {
  const result = await runCli(['doctor', '--json'], { env, cwd });
  return (JSON.parse(result.stdout) as { checks: Check[] }).checks.filter((c) => c.name.startsWith('agent: '));
}

test('the written stdio entry starts this installation with a bare PATH and serves the upstream; doctor says it launches', async () => {
  const { home, env, agentFile } = sandbox();
  const written = await runCli(['mcp-json', 'gw', '--client', 'claude-desktop', '--write', '--file', agentFile], { env, cwd: home });
  expect(written.code).toBe(0);
  const entry = JSON.parse(readFileSync(agentFile, 'utf8')).mcpServers.gw as { command: string; args: string[] };
  expect(written.stdout).toContain(`+ mcpServers.gw: runs ${entry.command} ${entry.args.join(' ')}`);
  expect(written.stdout).not.toContain('token');

  // As Claude Desktop does: spawn without a shell, its own environment (no node on PATH), another directory.
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, cwd: tmpdir(), env: { ...env, PATH: '/nonexistent' } as Record<string, string>, stderr: 'pipe' });
  const client = new Client({ name: 'desktop-agent', version: '1' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
  } finally {
    await client.close();
  }

  expect(await doctorChecks(env, home)).toEqual([{ name: 'agent: claude-desktop gw', status: 'pass', detail: `launches mcp-auth-proxy ${VERSION} (${entry.command})` }]);
});

test('doctor fails an entry whose command is gone, warns about one removed from the file, and checks HTTP entries\' token', async () => {
  const { home, env, agentFile } = sandbox();
  expect((await runCli(['mcp-json', 'gw', '--client', 'claude-desktop', '--write', '--file', agentFile], { env, cwd: home })).code).toBe(0);
  const config = JSON.parse(readFileSync(agentFile, 'utf8'));
  config.mcpServers.gw.command = join(home, 'removed-node-install', 'bin', 'node');
  writeFileSync(agentFile, JSON.stringify(config));
  const [gone] = await doctorChecks(env, home);
  expect(gone).toMatchObject({ name: 'agent: claude-desktop gw', status: 'fail' });
  expect(gone?.detail).toContain('does not exist (was that installation removed?)');
  expect(gone?.hint).toContain(`mcp-auth-proxy mcp-json gw --client claude-desktop --write --force`);

  writeFileSync(agentFile, JSON.stringify({ mcpServers: {} }));
  expect(await doctorChecks(env, home)).toMatchObject([{ name: 'agent: claude-desktop gw', status: 'warn', detail: `no longer in ${agentFile}` }]);

  // An HTTP agent written before the client token was turned on would get 401s.
  const cursorFile = join(home, 'cursor-mcp.json');
  expect((await runCli(['mcp-json', 'gw', '--client', 'cursor', '--write', '--file', cursorFile], { env, cwd: home })).code).toBe(0);
  const userFile = join(home, 'config', 'mcp-auth-proxy', 'config.json');
  writeFileSync(userFile, JSON.stringify({ ...JSON.parse(readFileSync(userFile, 'utf8')), clientToken: true }));
  expect((await runCli(['mcp-json', '--client', 'claude-code'], { env, cwd: home })).code).toBe(0); // makes the token
  const checks = await doctorChecks(env, home);
  expect(checks.find((c) => c.name === 'agent: cursor gw')).toMatchObject({ status: 'fail', detail: 'sends no client token, which the proxy requires (it would answer 401)' });
});
