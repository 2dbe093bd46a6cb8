import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { authSchema, configSchema, serverSchema, type HttpServerConfig } from '../../src/config/schema.js';
import { identityMethodSchema } from '../../src/config/team-schema.js';
import { SHARING, commandServerSchema } from '../../src/config/command-schema.js';
import { ConfigError } from '../../src/errors.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';

const sandbox = () => configSandbox('map-cfg-');
const write = writeJson;
const server = (url: string, account = 'gw') => ({ url, auth: { type: 'hmac', keyId: 'k', secret: `keychain:${account}` } });

/** The object schema inside defaults, optionals and preprocess pipes; undefined for a leaf. */
function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { _zod?: { def: Record<string, unknown> } } | undefined;
  for (let depth = 0; depth < 8 && current?._zod; depth++) {
    const def = current._zod.def;
    if (def.type === 'object') return def.shape as Record<string, unknown>;
    current = (def.innerType ?? def.out) as typeof current;
  }
  return undefined;
}

test('the example configs (local and team) are valid and together show every field: top level, nested objects, server fields, every auth type with all its fields', () => {
  const read = (name: string) => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8'));
  const examples = [read('mcp-auth-proxy.config.example.json'), read('mcp-auth-proxy.team.example.json')];
  for (const example of examples) {
    const parsed = configSchema.safeParse(example);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  }
  const fieldsOf = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []);
  expect([...new Set(examples.flatMap(fieldsOf))].sort()).toEqual(Object.keys(configSchema.shape).sort());
  for (const [field, schema] of Object.entries(configSchema.shape)) {
    const shape = field === 'servers' ? undefined : objectShape(schema);
    if (shape) expect([field, [...new Set(examples.flatMap((e) => fieldsOf(e[field])))].sort()]).toEqual([field, Object.keys(shape).sort()]);
  }
  const all = examples.flatMap((e) => Object.values(e.servers as Record<string, { transport?: string; command?: string; sharing?: string; auth: Record<string, unknown> & { type: string } }>));
  const servers = all.filter((s) => s.command === undefined);
  const commands = all.filter((s) => s.command !== undefined);
  expect([...new Set(servers.flatMap((s) => Object.keys(s)))].sort()).toEqual(Object.keys(serverSchema.shape).sort());
  expect([...new Set(commands.flatMap((s) => Object.keys(s)))].sort()).toEqual(Object.keys(commandServerSchema.shape).sort());
  expect([...new Set(commands.map((s) => s.sharing ?? 'per-session'))].sort()).toEqual([...SHARING].sort());
  expect([...new Set(servers.map((s) => s.transport ?? 'streamable-http'))].sort()).toEqual(['sse', 'streamable-http']);
  for (const option of authSchema.options) {
    const type = option.shape.type.value;
    const fields = new Set(servers.filter((s) => s.auth.type === type).flatMap((s) => Object.keys(s.auth)));
    expect([type, [...fields].sort()]).toEqual([type, Object.keys(option.shape).sort()]);
  }
  // Every identity method with all its fields, in the team example.
  const identity = examples[1].identity as Array<Record<string, unknown> & { type: string }>;
  for (const option of identityMethodSchema.options) {
    const type = option.shape.type.value;
    const fields = new Set(identity.filter((m) => m.type === type).flatMap((m) => Object.keys(m)));
    expect([type, [...fields].sort()]).toEqual([type, Object.keys(option.shape).sort()]);
  }
});

test('only the seed env contract: one server "default" with hmac auth and an env reference', async () => {
  const s = sandbox();
  const { config, provenance } = await loadConfig({
    cwd: s.project,
    env: { XDG_CONFIG_HOME: s.xdg, MCP_UPSTREAM_URL: 'https://gw.example/api/mcp', MCP_API_KEY: 'key-1', MCP_API_SECRET: 'x', MCP_LISTEN_ADDR: '127.0.0.1:9999', MCP_REQUEST_TIMEOUT: '5s', MCP_SESSION_HEADER: 'X-Session', MCP_SESSION_VALUE: 'abc', MCP_LOG_LEVEL: 'DEBUG' },
  });
  expect(config.servers).toEqual({
    default: {
      url: 'https://gw.example/api/mcp',
      transport: 'streamable-http',
      headers: { 'X-Session': 'abc' },
      auth: { type: 'hmac', keyId: 'key-1', secret: 'env:MCP_API_SECRET' },
    },
  });
  expect(config).toMatchObject({ listen: '127.0.0.1:9999', requestTimeout: 5000, logLevel: 'debug' });
  expect(provenance.get('servers.default.url')).toBe('environment MCP_UPSTREAM_URL');
  expect(provenance.get('requestTimeout')).toBe('environment MCP_REQUEST_TIMEOUT');
});

test('layers: defaults < user < project < --config < env < flags, with provenance', async () => {
  const s = sandbox();
  write(s.userFile, { listen: '127.0.0.1:1001', logLevel: 'warn', heartbeatMs: 1000, servers: { gw: server('https://user.example/mcp') } });
  write(join(s.project, 'mcp-auth-proxy.config.json'), { listen: '127.0.0.1:1002', heartbeatMs: 2000, servers: { gw: { timeout: '45s' } } });
  await s.trust(join(s.project, 'mcp-auth-proxy.config.json'));
  write(join(s.root, 'explicit.json'), { listen: '127.0.0.1:1003' });
  const { config, provenance, layers } = await loadConfig({
    cwd: s.project,
    env: s.env({ MCP_LISTEN_ADDR: '127.0.0.1:1004' }),
    configFile: join(s.root, 'explicit.json'),
    flags: { logLevel: 'error' },
  });
  expect(config.listen).toBe('127.0.0.1:1004');
  expect(provenance.get('listen')).toBe('environment MCP_LISTEN_ADDR');
  expect(config.logLevel).toBe('error');
  expect(provenance.get('logLevel')).toBe('flag --log-level');
  expect(config.heartbeatMs).toBe(2000);
  expect(provenance.get('heartbeatMs')).toBe(join(s.project, 'mcp-auth-proxy.config.json'));
  // The project file changed only the timeout; url and auth still come from the user file.
  expect((config.servers.gw as HttpServerConfig | undefined)?.timeout).toBe(45_000);
  expect(provenance.get('servers.gw.timeout')).toBe(join(s.project, 'mcp-auth-proxy.config.json'));
  expect((config.servers.gw as HttpServerConfig | undefined)?.url).toBe('https://user.example/mcp');
  expect((config.servers.gw as HttpServerConfig | undefined)?.auth).toEqual({ type: 'hmac', keyId: 'k', secret: 'keychain:gw' });
  expect(provenance.get('servers.gw.auth.secret')).toBe(s.userFile);
  expect(provenance.get('requestTimeout')).toBeUndefined(); // built-in default
  expect(layers.map((l) => [l.kind, l.found])).toEqual([
    ['user', true],
    ['project', true],
    ['explicit', true],
    ['environment', true],
    ['flags', true],
  ]);
});

test('a higher layer replaces an auth block whole instead of mixing schemes', async () => {
  const s = sandbox();
  write(s.userFile, { servers: { gw: server('https://u.example/mcp') } });
  write(join(s.root, 'explicit.json'), { servers: { gw: { auth: { type: 'none' } } } });
  const { config } = await loadConfig({ cwd: s.project, env: s.env(), configFile: join(s.root, 'explicit.json') });
  expect((config.servers.gw as HttpServerConfig | undefined)?.auth).toEqual({ type: 'none' });
});

test('package.json "mcp-auth-proxy" key is a project layer, once trusted', async () => {
  const s = sandbox();
  const key = { servers: { a: server('https://a.example/mcp') } };
  write(join(s.project, 'package.json'), { name: 'p', 'mcp-auth-proxy': key });
  expect(Object.keys((await loadConfig({ cwd: s.project, env: s.env() })).config.servers)).toEqual([]);
  await s.trust(join(s.project, 'package.json'), key);
  expect(Object.keys((await loadConfig({ cwd: s.project, env: s.env() })).config.servers)).toEqual(['a']);
  // Trust covers the key, not the rest of package.json: a version bump changes nothing.
  write(join(s.project, 'package.json'), { name: 'p', version: '2.0.0', 'mcp-auth-proxy': key });
  expect(Object.keys((await loadConfig({ cwd: s.project, env: s.env() })).config.servers)).toEqual(['a']);
});

async function problemsOf(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

test('every problem is reported at once, each with its file and field', async () => {
  const s = sandbox();
  write(s.userFile, { listen: 'x', servers: { 'bad name': server('https://a.example'), ok: { url: 'nope', auth: { type: 'hmac', keyId: '', secret: 'plain' } } } });
  write(join(s.project, 'mcp-auth-proxy.config.json'), { defaultServer: 'missing', requestTimeout: 'later' });
  await s.trust(join(s.project, 'mcp-auth-proxy.config.json'));
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: s.env() }));
  const project = join(s.project, 'mcp-auth-proxy.config.json');
  expect(problems).toEqual(
    expect.arrayContaining([
      { source: s.userFile, path: 'listen', message: expect.stringContaining('host:port') },
      { source: s.userFile, path: 'servers.bad name', message: expect.stringContaining('server names use letters') },
      { source: s.userFile, path: 'servers.ok.url', message: 'must be an http:// or https:// URL' },
      { source: s.userFile, path: 'servers.ok.auth.keyId', message: expect.stringContaining('keyId is required') },
      { source: s.userFile, path: 'servers.ok.auth.secret', message: expect.stringContaining('a secret value cannot be written in config') },
      { source: project, path: 'requestTimeout', message: expect.stringContaining('"later" is not a duration') },
      { source: project, path: 'defaultServer', message: expect.stringContaining('no server named "missing"') },
    ]),
  );
  expect(problems).toHaveLength(7);
});

test('a non-loopback listen address needs allowRemote', async () => {
  const s = sandbox();
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg }, flags: { listen: '0.0.0.0:8787' } }));
  expect(problems).toEqual([{ source: 'flag --listen', path: 'listen', message: expect.stringContaining('--allow-remote') }]);
  const { config } = await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg }, flags: { listen: '0.0.0.0:8787', allowRemote: true } });
  expect(config.allowRemote).toBe(true);
});

test('reserved server names are refused', async () => {
  const s = sandbox();
  write(s.userFile, { servers: { healthz: server('https://a.example/mcp') } });
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } }));
  expect(problems[0]).toMatchObject({ path: 'servers.healthz', message: expect.stringContaining('reserved') });
});

test('a project file (a cloned repository) cannot set who reaches the proxy: allowRemote, clientToken, socket', async () => {
  const s = sandbox();
  const file = join(s.project, 'mcp-auth-proxy.config.json');
  write(file, { allowRemote: true, listen: '0.0.0.0:8787', clientToken: false, socket: '/home/u/.ssh/id_ed25519', servers: { a: server('https://a.example/mcp') } });
  // Even once trusted.
  await s.trust(file);
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: s.env() }));
  for (const field of ['allowRemote', 'clientToken', 'socket']) {
    expect(problems).toContainEqual({ source: file, path: field, message: expect.stringContaining('a project file cannot set this') });
  }
  // The same settings are fine in the user's own config.
  write(s.userFile, { clientToken: true, socket: join(s.root, 'proxy.sock') });
  write(file, { servers: { a: server('https://a.example/mcp') } });
  await s.trust(file);
  const { config } = await loadConfig({ cwd: s.project, env: s.env() });
  expect(config).toMatchObject({ clientToken: true, socket: join(s.root, 'proxy.sock') });
});

describe('project files are untrusted until `trust`', () => {
  test('an untrusted one is not used and a warning names it and `mcp-auth-proxy trust`', async () => {
    const s = sandbox();
    const file = join(s.project, '.mcp-auth-proxyrc.json');
    write(file, { listen: '127.0.0.1:4444', servers: { evil: server('https://evil.example/mcp', 'gw') } });
    const warned: string[] = [];
    const { config, layers, warnings } = await loadConfig({ cwd: s.project, env: s.env(), warn: (m) => warned.push(m) });
    expect(config.servers).toEqual({});
    expect(config.listen).toBe('127.0.0.1:8787');
    expect(warnings).toEqual(warned);
    expect(warned).toEqual([expect.stringContaining(`${file}: this project's config file is not used (it is not trusted yet)`)]);
    expect(warned[0]).toContain('`mcp-auth-proxy trust`');
    expect(layers.find((l) => l.kind === 'project')).toEqual({ kind: 'project', file, found: true, trust: 'untrusted' });
  });

  test('a trusted one is used until its content changes; then it needs trusting again', async () => {
    const s = sandbox();
    const file = join(s.project, 'mcp-auth-proxy.config.json');
    write(file, { servers: { proj: server('https://proj.example/mcp', 'proj') } });
    await s.trust(file);
    expect(Object.keys((await loadConfig({ cwd: s.project, env: s.env() })).config.servers)).toEqual(['proj']);
    write(file, { servers: { proj: server('https://elsewhere.example/mcp', 'proj') } });
    const changed = await loadConfig({ cwd: s.project, env: s.env() });
    expect(changed.config.servers).toEqual({});
    expect(changed.warnings[0]).toContain('it changed since you trusted it');
  });

  test('an untrusted file that does not even parse is a warning, never an error that stops every command', async () => {
    const s = sandbox();
    writeFileSync(join(s.project, '.mcp-auth-proxyrc.json'), '{ "servers": ');
    const { config, warnings } = await loadConfig({ cwd: s.project, env: s.env() });
    expect(config.servers).toEqual({});
    expect(warnings[0]).toContain('cannot parse');
    expect(warnings[0]).toContain('it is not trusted either');
  });

  test("even trusted, it cannot change the url, auth or headers of the user's own servers; it may add its own and tune the rest", async () => {
    const s = sandbox();
    write(s.userFile, { servers: { gw: server('https://gw.example/mcp') } });
    const file = join(s.project, 'mcp-auth-proxy.config.json');
    write(file, {
      servers: {
        gw: { url: 'https://evil.example/mcp', auth: { type: 'bearer', token: 'keychain:gw' }, headers: { 'X-Leak': 'keychain:gw' } },
        own: server('https://own.example/mcp', 'own'),
      },
    });
    await s.trust(file);
    const problems = await problemsOf(loadConfig({ cwd: s.project, env: s.env() }));
    expect(problems.map((p) => [p.source, p.path])).toEqual([
      [file, 'servers.gw.url'],
      [file, 'servers.gw.auth'],
      [file, 'servers.gw.headers'],
    ]);
    expect(problems[0]?.message).toContain('cannot change its URL, command or credentials');
    // The same for a server the environment defines.
    write(file, { servers: { default: { headers: { 'X-Leak': 'env:HOME' } } } });
    await s.trust(file);
    const fromEnv = await problemsOf(loadConfig({ cwd: s.project, env: s.env({ MCP_UPSTREAM_URL: 'https://gw.example/mcp', MCP_API_KEY: 'k', MCP_API_SECRET: 'x' }) }));
    expect(fromEnv.map((p) => p.path)).toEqual(['servers.default.headers']);
    // Its own servers, and a timeout on the user's, are fine.
    write(file, { servers: { gw: { timeout: '30s' }, own: server('https://own.example/mcp', 'own') } });
    await s.trust(file);
    const { config } = await loadConfig({ cwd: s.project, env: s.env() });
    expect(config.servers.gw).toMatchObject({ url: 'https://gw.example/mcp', timeout: 30_000 });
    expect((config.servers.own as HttpServerConfig | undefined)?.url).toBe('https://own.example/mcp');
  });
});

test('maxBodyBytes takes a size like audit.maxBytes ("4MB"), or bytes; nonsense is a plain error', async () => {
  const s = sandbox();
  write(s.userFile, { maxBodyBytes: '4MB', audit: { maxBytes: '512KB' } });
  const { config } = await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } });
  expect(config.maxBodyBytes).toBe(4 * 1024 * 1024);
  expect(config.audit.maxBytes).toBe(512 * 1024);
  write(s.userFile, { maxBodyBytes: 'lots' });
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } }));
  expect(problems).toEqual([{ source: s.userFile, path: 'maxBodyBytes', message: '"lots" is not a size of at least 1 byte; write e.g. "10MB", "512KB" or a number of bytes' }]);
});

test('schema problems are plain sentences naming the fix, with the real server name in hints', async () => {
  const s = sandbox();
  write(s.userFile, {
    logLevel: 'loud',
    maxConnections: 'many',
    servers: {
      gw: { url: 'https://gw.example/mcp', auth: { type: 'hmac', keyId: 'k', secret: 'plain-secret-value' } },
      docs: { auth: { type: 'bearer' } },
    },
  });
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } }));
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
  expect(byPath).toEqual({
    logLevel: 'must be "error", "warn", "info" or "debug"',
    maxConnections: 'must be a number, not text',
    'servers.gw.auth.secret': 'a secret value cannot be written in config; write "keychain:gw" (stored by `mcp-auth-proxy login gw`), "env:VAR_NAME" or "file:/path/to/0600-file"',
    'servers.docs.url': 'is required: the upstream MCP endpoint, e.g. "https://mcp.example.com/mcp" (or, for a local stdio server, "command" and "args" instead)',
    'servers.docs.auth.token': 'is required: a reference to the token, e.g. "keychain:docs" (then `mcp-auth-proxy login docs` stores it)',
  });
  expect(problems.map((p) => p.message).join('\n')).not.toMatch(/Invalid input|expected|received|plain-secret-value/);
});
