// mcp-json: for every supported client the output parses in that client's
// format and points at the proxy; --write merges into an existing file,
// keeps other entries and a backup, and refuses to replace without --force.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { supportedClients } from '../../src/clients/snippet.js';
import { VERSION } from '../../src/version.js';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'map-mcpjson-'));
const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), MCP_UPSTREAM_URL: 'https://gw.example/api/mcp', MCP_API_KEY: 'k', MCP_API_SECRET: 'mcp-json-secret-0e1f', MCP_LISTEN_ADDR: '127.0.0.1:8899' });

const FORMAT: Record<string, 'json' | 'toml' | 'yaml'> = { codex: 'toml', goose: 'yaml' };

/** Clients that launch commands get the stdio bridge instead of the daemon's URL. */
const STDIO_FIRST = new Set(['claude-desktop', 'jetbrains']);

test.each(supportedClients())('%s: the snippet parses and points at the proxy (or runs the bridge)', async (client) => {
  const result = await runCli(['mcp-json', '--client', client], { cwd: home, env });
  expect(result.code).toBe(0);
  const format = FORMAT[client] ?? 'json';
  const parsed = format === 'toml' ? parseToml(result.stdout) : format === 'yaml' ? parseYaml(result.stdout) : JSON.parse(result.stdout);
  expect(JSON.stringify(parsed)).toContain(STDIO_FIRST.has(client) ? JSON.stringify({ command: process.execPath, args: [BIN, 'stdio', 'default'] }).slice(1, -1) : 'http://127.0.0.1:8899/default/mcp');
  expect(result.stdout + result.stderr).not.toContain('mcp-json-secret-0e1f');
  expect(result.stdout).not.toMatch(/authorization|x-signature|x-api-key/i);
});

test('claude-desktop and jetbrains get the stdio bridge command of this installation; --npx and another OS get the pinned npx form', async () => {
  const installed = { command: process.execPath, args: [BIN, 'stdio', 'default'] };
  const desktop = await runCli(['mcp-json', 'default', '--client', 'claude-desktop'], { cwd: home, env });
  expect(desktop.code).toBe(0);
  expect(JSON.parse(desktop.stdout).mcpServers.default).toMatchObject(installed);
  const jetbrains = await runCli(['mcp-json', 'default', '--client', 'jetbrains'], { cwd: home, env });
  expect(JSON.parse(jetbrains.stdout).mcpServers.default).toMatchObject(installed);
  const npx = await runCli(['mcp-json', 'default', '--client', 'claude-desktop', '--npx'], { cwd: home, env });
  expect(JSON.parse(npx.stdout).mcpServers.default).toMatchObject({ command: 'npx', args: ['-y', `mcp-auth-proxy@${VERSION}`, 'stdio', 'default'] });
  // npx is a .cmd file on Windows: only cmd /c starts it, each argument separate.
  const windows = await runCli(['mcp-json', 'default', '--client', 'claude-desktop', '--platform', 'win32'], { cwd: home, env });
  expect(JSON.parse(windows.stdout).mcpServers.default).toMatchObject({ command: 'cmd', args: ['/c', 'npx', '-y', `mcp-auth-proxy@${VERSION}`, 'stdio', 'default'] });
  expect(windows.stderr).toContain('the snippet is for win32');
  // No URL, no secret: the bridge reads the same config and keychain itself.
  expect(desktop.stdout + windows.stdout + jetbrains.stdout).not.toMatch(/http:|secret/i);
});

test('--transport stdio gives any stdio-capable client the bridge command in its own format; http-only refusals exit 2', async () => {
  const goose = await runCli(['mcp-json', 'default', '--client', 'goose', '--transport', 'stdio'], { cwd: home, env });
  expect(goose.code).toBe(0);
  expect(parseYaml(goose.stdout).extensions.default).toMatchObject({ cmd: process.execPath, args: [BIN, 'stdio', 'default'] });
  const desktopHttp = await runCli(['mcp-json', 'default', '--client', 'claude-desktop', '--transport', 'http'], { cwd: home, env });
  expect(desktopHttp.code).toBe(2);
  expect(desktopHttp.stderr).toContain('does not take HTTP servers');
});

test('an unknown client lists the supported ones; a centrally managed one is refused (exit 2)', async () => {
  const unknown = await runCli(['mcp-json', '--client', 'notepad'], { cwd: home, env });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('Unknown client "notepad"');
  expect(unknown.stderr).toContain('claude-code');
  const managed = await runCli(['mcp-json', '--client', 'chatgpt'], { cwd: home, env });
  expect(managed.code).toBe(2);
  expect(managed.stderr).toContain('cannot reach a proxy on your machine');
});

test('--write merges into an existing file, keeps a backup, refuses a same-named entry without --force', async () => {
  const dir = join(home, 'write-case');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mcp.json');
  writeFileSync(file, JSON.stringify({ mcpServers: { other: { type: 'http', url: 'https://other.example/mcp' } }, theme: 'dark' }, null, 2));
  const first = await runCli(['mcp-json', '--client', 'cursor', '--write', '--file', file], { cwd: home, env });
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('+ mcpServers.default: calls http://127.0.0.1:8899/default/mcp');
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
    mcpServers: { other: { type: 'http', url: 'https://other.example/mcp' }, default: { url: 'http://127.0.0.1:8899/default/mcp', type: 'http' } },
    theme: 'dark',
  });
  const backups = readdirSync(dir).filter((f) => f.startsWith('mcp.json.bak-'));
  expect(backups).toHaveLength(1);
  expect(JSON.parse(readFileSync(join(dir, backups[0] as string), 'utf8')).mcpServers.default).toBeUndefined();

  const again = await runCli(['mcp-json', '--client', 'cursor', '--write', '--file', file], { cwd: home, env });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('already has "default" under mcpServers');
  const forced = await runCli(['mcp-json', '--client', 'cursor', '--write', '--file', file, '--force'], { cwd: home, env });
  expect(forced.code).toBe(0);
  expect(forced.stdout).toContain('(replaced)');
});

test('--write into a TOML client file keeps its other tables', async () => {
  const file = join(home, 'codex.toml');
  writeFileSync(file, 'model = "o3"\n\n[mcp_servers.keep]\nurl = "https://keep.example/mcp"\n');
  const result = await runCli(['mcp-json', '--client', 'codex', '--write', '--file', file], { cwd: home, env });
  expect(result.code).toBe(0);
  expect(parseToml(readFileSync(file, 'utf8'))).toEqual({
    model: 'o3',
    mcp_servers: { keep: { url: 'https://keep.example/mcp' }, default: { url: 'http://127.0.0.1:8899/default/mcp' } },
  });
});

test('the bridge command names a project config file it needs; a server from environment variables gets a note', async () => {
  const project = mkdtempSync(join(tmpdir(), 'map-mcpjson-project-'));
  writeFileSync(join(project, 'mcp-auth-proxy.config.json'), JSON.stringify({ servers: { team: { url: 'https://team.example/mcp', auth: { type: 'none' } } } }));
  expect((await runCli(['trust'], { cwd: project, env })).code).toBe(0);
  const fromProject = await runCli(['mcp-json', 'team', '--client', 'claude-desktop'], { cwd: project, env });
  expect(JSON.parse(fromProject.stdout).mcpServers.team.args).toEqual([BIN, 'stdio', 'team', '--config', join(project, 'mcp-auth-proxy.config.json')]);
  // The bridge, started by the agent anywhere, reads the file only while it is trusted as it is.
  const bridged = await runCli(['stdio', 'team', '--config', join(project, 'mcp-auth-proxy.config.json')], { cwd: home, env });
  expect(bridged.stderr).not.toContain('not trusted');
  writeFileSync(join(project, 'mcp-auth-proxy.config.json'), JSON.stringify({ servers: { team: { url: 'https://moved.example/mcp', auth: { type: 'none' } } } }));
  const changed = await runCli(['stdio', 'team', '--config', join(project, 'mcp-auth-proxy.config.json')], { cwd: home, env });
  expect(changed.code).toBe(2);
  expect(changed.stderr).toContain('a project config file that is not trusted as it is now');
  const fromEnv = await runCli(['mcp-json', 'default', '--client', 'claude-desktop'], { cwd: home, env });
  expect(fromEnv.stderr).toContain('"default" is defined by environment variables');
  const http = await runCli(['mcp-json', 'default', '--client', 'cursor'], { cwd: home, env });
  expect(http.stderr).not.toContain('defined by environment variables');
});

test('with clientToken on, HTTP agents get the per-install token header; the token file is 0600 and the same each time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-mcpjson-token-'));
  const tokenEnv = cleanEnv({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') });
  mkdirSync(join(dir, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(dir, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ clientToken: true, servers: { gw: { url: 'https://gw.example/mcp', auth: { type: 'none' } } } }));
  const first = await runCli(['mcp-json', 'gw', '--client', 'cursor'], { cwd: dir, env: tokenEnv });
  expect(first.code).toBe(0);
  const token = readFileSync(join(dir, 'state', 'mcp-auth-proxy', 'client-token'), 'utf8').trim();
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(statSync(join(dir, 'state', 'mcp-auth-proxy', 'client-token')).mode & 0o777).toBe(0o600);
  expect(JSON.parse(first.stdout).mcpServers.gw.headers).toEqual({ 'X-MCP-Proxy-Token': token });
  const again = await runCli(['mcp-json', 'gw', '--client', 'cursor'], { cwd: dir, env: tokenEnv });
  expect(JSON.parse(again.stdout).mcpServers.gw.headers['X-MCP-Proxy-Token']).toBe(token);
  // The stdio bridge talks to the upstream itself: no token in its command.
  const desktop = await runCli(['mcp-json', 'gw', '--client', 'claude-desktop'], { cwd: dir, env: tokenEnv });
  expect(desktop.stdout).not.toContain(token);
});

test('with clientToken on, the Codex install command carries the token header, as its TOML snippet does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-mcpjson-codex-'));
  const tokenEnv = cleanEnv({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') });
  mkdirSync(join(dir, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(dir, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ clientToken: true, servers: { gw: { url: 'https://gw.example/mcp', auth: { type: 'none' } } } }));
  const result = await runCli(['mcp-json', 'gw', '--client', 'codex'], { cwd: dir, env: tokenEnv });
  expect(result.code).toBe(0);
  const token = readFileSync(join(dir, 'state', 'mcp-auth-proxy', 'client-token'), 'utf8').trim();
  expect((parseToml(result.stdout) as { mcp_servers: { gw: { http_headers: unknown } } }).mcp_servers.gw.http_headers).toEqual({ 'X-MCP-Proxy-Token': token });
  expect(result.stderr).toContain(`Or run: codex mcp add --url http://127.0.0.1:8787/gw/mcp --header X-MCP-Proxy-Token=${token} gw\n`);
});

test('--write describes stdio entries as the command they run, and mentions the token only when it wrote one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-mcpjson-describe-'));
  const tokenEnv = cleanEnv({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') });
  mkdirSync(join(dir, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(dir, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ clientToken: true, servers: { gw: { url: 'https://gw.example/mcp', auth: { type: 'none' } } } }));
  const desktopFile = join(dir, 'desktop.json');
  writeFileSync(desktopFile, '{}', { mode: 0o644 });
  const desktop = await runCli(['mcp-json', 'gw', '--client', 'claude-desktop', '--write', '--file', desktopFile], { cwd: dir, env: tokenEnv });
  expect(desktop.code).toBe(0);
  expect(desktop.stdout).toContain(`+ mcpServers.gw: runs ${process.execPath} ${BIN} stdio gw\n`);
  expect(desktop.stdout + desktop.stderr).not.toMatch(/token/i);
  expect(statSync(desktopFile).mode & 0o777).toBe(0o644); // no token in it: its mode is left alone

  const cursorFile = join(dir, 'cursor.json');
  const cursor = await runCli(['mcp-json', 'gw', '--client', 'cursor', '--write', '--file', cursorFile], { cwd: dir, env: tokenEnv });
  expect(cursor.stdout).toContain('+ mcpServers.gw: calls http://127.0.0.1:8787/gw/mcp\n');
  expect(cursor.stdout).toContain("It holds the proxy's client token (X-MCP-Proxy-Token), so it is now readable by you only (0600).");
  expect(statSync(cursorFile).mode & 0o777).toBe(0o600);

  const printed = await runCli(['mcp-json', 'gw', '--client', 'claude-desktop'], { cwd: dir, env: tokenEnv });
  expect(printed.stderr).not.toMatch(/token/i);
});
