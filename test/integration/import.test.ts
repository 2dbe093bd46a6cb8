// `import` on the real config files of Claude Code (with a project's own
// servers), Claude Desktop, Cursor and VS Code (comments, trailing commas,
// an input it asks for itself), each holding tokens: the plan changes
// nothing; --write moves every token out (to the store; here the 0600 file,
// as on a machine without a keychain), adds the servers, points the agent at
// the proxy, and no file it wrote holds a token; a tool call made as the
// agent makes it works; --undo gives back the original bytes.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { CLIENTS, KEY, PATH_KEY, TOKEN, agentEntry, callAsAgent, importScenario, sha256, type ImportClient, type Scenario } from '../helpers/import-scenario.js';

const SECRETS = [TOKEN, KEY, PATH_KEY];
let s: Scenario;
let daemon: Daemon | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await s.close();
});

const noKeychain = cleanEnv({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });

/** Every file under `dir`, but the secret store standing in for the keychain. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'secrets.insecure.json')
    .map((e) => join(e.parentPath, e.name));
}

describe.each(Object.keys(CLIENTS) as ImportClient[])('%s', (client) => {
  test('plan, --write, a tool call through the proxy, --undo', async () => {
    s = await importScenario(client, noKeychain);
    const http = client !== 'claude-desktop';
    if (http) daemon = await startDaemon(s.env, s.home);
    const listen = daemon ? ['--listen', new URL(daemon.url).host] : [];
    const cli = (args: string[]) => runCli(['import', '--client', client, ...args, ...listen], { cwd: s.home, env: s.env });

    const plan = await cli([]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`env TOOLS_API_TOKEN → keychain:tools.tools-api-token`);
    expect(plan.stdout).toContain('Nothing was changed.');
    expect(readFileSync(s.agentFile).equals(s.original)).toBe(true);

    const written = await cli(['--write', '--insecure-storage']);
    expect(written.stderr).not.toMatch(/error/);
    expect(written.code).toBe(0);
    for (const out of [plan, written]) for (const secret of SECRETS) expect(out.stdout + out.stderr).not.toContain(secret);
    // Nothing secret is left in a file it wrote or kept: the agent's file and its sealed backup, the config, the record.
    const touched = [...filesUnder(dirname(s.agentFile)), ...filesUnder(join(s.home, 'config')), ...filesUnder(join(s.home, 'state'))];
    expect(touched.some((f) => f.endsWith('.sealed'))).toBe(true);
    for (const file of touched) for (const secret of SECRETS) expect([file, readFileSync(file, 'utf8').includes(secret)]).toEqual([file, false]);

    const tools = agentEntry(s, client, 'tools');
    if (http) expect(tools).toMatchObject({ url: `${daemon?.url}/tools/mcp` });
    else expect(tools).toMatchObject({ args: [expect.stringContaining('mcp-auth-proxy.js'), 'stdio', 'tools'] });
    expect(await callAsAgent(s, tools, 'echo', { text: 'imported' })).toBe('echo: imported');
    expect(await callAsAgent(s, tools, 'secret-hash', { name: 'TOOLS_API_TOKEN' })).toBe(sha256(TOKEN));
    if (client !== 'claude-desktop') expect(await callAsAgent(s, agentEntry(s, client, 'remote'), 'echo', { text: 'x' })).toBe('upstream echo: x');
    if (client === 'claude-code') {
      // The project's own entry (it runs in the project's directory) became a server of its own.
      const own = agentEntry(s, client, 'tools', ['projects', s.project, 'mcpServers']);
      expect(own).toMatchObject({ url: `${daemon?.url}/tools-app/mcp` });
      expect(JSON.parse(await callAsAgent(s, own, 'env', {})).cwd).toBe(s.project);
    }
    expect(s.upstream.refused()).toBe(0);

    const undone = await cli(['--undo']);
    expect(undone.code).toBe(0);
    expect(readFileSync(s.agentFile).equals(s.original)).toBe(true);
    expect(filesUnder(dirname(s.agentFile)).some((f) => f.endsWith('.sealed'))).toBe(false);
  });
});

test('an entry whose token the import cannot move stops --write (nothing changes); naming the others imports them', async () => {
  s = await importScenario('cursor', noKeychain);
  const { writeFileSync } = await import('node:fs');
  const text = s.original.toString('utf8').replace('"mcpServers": {', '"mcpServers": {\n    "filed": { "command": "x", "envFile": "/home/me/.env", "env": { "API_TOKEN": "sk-inlineToken0123456789abc" } },');
  writeFileSync(s.agentFile, text);
  const refused = await runCli(['import', '--client', 'cursor', '--write', '--insecure-storage'], { cwd: s.home, env: s.env });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('"filed" holds a secret the import cannot move (its environment is read from a file (envFile), which the proxy does not read)');
  expect(readFileSync(s.agentFile, 'utf8')).toBe(text);
  const named = await runCli(['import', '--client', 'cursor', '--write', '--insecure-storage', 'tools'], { cwd: s.home, env: s.env });
  expect(named.code).toBe(0);
  expect(readFileSync(s.agentFile, 'utf8')).not.toContain(TOKEN);
});

test('with the client token on, the rewritten entries carry it, the file becomes readable by its owner only, and calls work', async () => {
  s = await importScenario('cursor', noKeychain);
  const configFile = join(s.home, 'config', 'mcp-auth-proxy', 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), clientToken: true }));
  daemon = await startDaemon(s.env, s.home);
  const written = await runCli(['import', '--client', 'cursor', '--write', '--insecure-storage', '--listen', new URL(daemon.url).host], { cwd: s.home, env: s.env });
  expect(written.code).toBe(0);
  const tools = agentEntry(s, 'cursor', 'tools');
  expect(tools).toMatchObject({ url: `${daemon.url}/tools/mcp`, headers: { 'X-MCP-Proxy-Token': expect.stringMatching(/^\S{20,}$/) } });
  expect(statSync(s.agentFile).mode & 0o777).toBe(0o600);
  expect(await callAsAgent(s, tools, 'echo', { text: 'with token' })).toBe('echo: with token');
  // The proxy wants it: the same entry without the header is refused.
  await expect(callAsAgent(s, { url: tools.url }, 'echo', { text: 'x' })).rejects.toThrow(/CLIENT_TOKEN_REQUIRED/);
});
