// The config of command servers: one shape or the other (url or command),
// team-only sharing and "$caller", a token written into env refused without
// echoing it, "${NAME}" in args only for declared variables, an absolute cwd.
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';

async function problems(servers: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string[]> {
  const s = configSandbox('map-cmd-cfg-');
  writeJson(s.userFile, { servers, ...extra });
  try {
    await loadConfig({ cwd: s.project, env: s.env() });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.source === s.userFile ? 'user' : p.source}: ${p.path}: ${p.message}`);
  }
}

test('a server has url or command, not both', async () => {
  expect(await problems({ x: { url: 'https://a.example/mcp', command: 'npx', auth: { type: 'none' } } })).toEqual([
    'user: servers.x.command: a server has either "url" (an HTTP upstream) or "command" (a local stdio server), not both; remove one',
  ]);
  expect(await problems({ x: {} })).toContainEqual(expect.stringContaining('servers.x.url: is required: the upstream MCP endpoint, e.g. "https://mcp.example.com/mcp" (or, for a local stdio server, "command" and "args" instead)'));
});

test('per-caller and "$caller" need team mode (per-caller sharing)', async () => {
  expect(await problems({ x: { command: 'npx', sharing: 'per-caller' } })).toEqual([
    'user: servers.x.sharing: "per-caller" keeps each caller\'s process apart, and callers exist in team mode only; set "mode": "team", or use "per-session" or "shared"',
  ]);
  expect(await problems({ x: { command: 'npx', env: { WHO: '$caller' } } })).toEqual([
    'user: servers.x.env.WHO: "$caller" is the caller of a per-caller process; set "sharing": "per-caller" (team mode), or write the value',
  ]);
});

test('a token written into env is refused (never echoed); settings and references are fine', async () => {
  const token = 'ghp_0123456789abcdefghijABCDEFGHIJklmnop';
  const found = await problems({ gh: { command: 'npx', env: { GITHUB_PERSONAL_ACCESS_TOKEN: token, OTHER: 'sk-live0123456789abcdef' } } });
  expect(found).toEqual([
    expect.stringMatching(/^user: servers\.gh\.env\.GITHUB_PERSONAL_ACCESS_TOKEN: looks like a secret written into the config; store it and write a reference instead: write "keychain:gh"/),
    expect.stringMatching(/^user: servers\.gh\.env\.OTHER: looks like a secret/),
  ]);
  expect(found.join('\n')).not.toContain(token);
  expect(
    await problems({
      gh: { command: 'npx', env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'keychain:github-pat', GITHUB_TOOLSETS: 'repos,issues', LOG_LEVEL: 'debug', TOKEN_FILE: '/run/secrets/token', PORT: '8080', AUTH_MODE: 'oauth' } },
    }),
  ).toEqual([]);
});

test('"${NAME}" in args names a declared variable; cwd is absolute (or ~/)', async () => {
  expect(await problems({ pg: { command: 'npx', args: ['server-postgres', '${DATABASE_URL}'], env: {} } })).toEqual([
    'user: servers.pg.args.1: "${DATABASE_URL}" names no variable of this server\'s env; add "DATABASE_URL" to env, or remove it',
  ]);
  expect(await problems({ pg: { command: 'npx', args: ['server-postgres', '${DATABASE_URL}'], env: { DATABASE_URL: 'keychain:pg' }, cwd: '~/work' } })).toEqual([]);
  expect(await problems({ pg: { command: 'npx', cwd: 'relative/dir' } })).toEqual(['user: servers.pg.cwd: cwd must be an absolute path (or start with "~/")']);
});

test('defaults: per-session, no prewarm, 16 processes, 30 min idle, 60 s to start, 5 s to stop', () => {
  const parsed = configSchema.parse({ servers: { x: { command: 'npx' } } });
  expect(parsed.servers.x).toEqual({ command: 'npx', args: [], env: {}, sharing: 'per-session', prewarm: false, maxProcesses: 16, idleTimeout: 1_800_000, startTimeout: 60_000, stopTimeout: 5_000 });
});
