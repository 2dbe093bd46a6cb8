// login/logout for the bearer, headers and act-as schemes through the built CLI
// with no keychain: what lands in the 0600 store and config, exit codes, no secret printed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, runCliWithInput, type CliResult } from '../helpers/cli.js';
import { listen } from '../helpers/net.js';

const GLEAN_TOKEN = 'glean-cli-token-0e7d41';
const API_KEY = 'tickets-cli-api-key-93bc10';
const TENANT_KEY = 'tickets-cli-tenant-key-5a62f8';
const RIGHT = 'search-right-token-c4d2a7';
const WRONG = 'search-wrong-token-18f9b3';
const SECRETS = [GLEAN_TOKEN, API_KEY, TENANT_KEY, RIGHT, WRONG];
const GLEAN_URL = 'https://acme-be.glean.com/mcp/default';

let home: string;
let env: NodeJS.ProcessEnv;
let outputs: CliResult[];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-schemes-'));
  outputs = [];
  // No reachable Secret Service, whatever the machine running the tests has.
  env = cleanEnv({
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
  });
});
afterEach(() => {
  // Whatever a test did, no command ever printed a secret value.
  for (const { stdout, stderr } of outputs) for (const secret of SECRETS) expect(stdout + stderr).not.toContain(secret);
});

const cli = async (args: string[], input?: string) => {
  const result = input === undefined ? await runCli(args, { cwd: home, env }) : await runCliWithInput(args, input, { cwd: home, env });
  outputs.push(result);
  return result;
};
const configFile = () => join(home, 'config', 'mcp-auth-proxy', 'config.json');
const storeFile = () => join(home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const writeConfig = (value: unknown) => {
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(configFile(), JSON.stringify(value, null, 2));
};
const NO_VERIFY = ['--stdin', '--insecure-storage', '--no-verify'];

test('act-as: login stores the token 0600 and writes the entry with a keychain reference and the user', async () => {
  const result = await cli(['login', 'glean', '--url', GLEAN_URL, '--type', 'act-as', '--user', 'me@acme.com', ...NO_VERIFY], `${GLEAN_TOKEN}\n`);
  expect(result.stderr).not.toContain('error:');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/Stored the global service token .*"glean".* insecure file store/);
  expect(result.stdout).toContain('keychain:glean');
  expect(statSync(storeFile()).mode & 0o777).toBe(0o600);
  expect(readJson(storeFile())).toEqual({ glean: GLEAN_TOKEN });
  const config = readJson(configFile());
  expect(Object.keys(config.servers)).toEqual(['glean']);
  expect(config.servers.glean.url).toBe(GLEAN_URL);
  // The default header is not spelled out: the entry reads as the user would write it.
  expect(config.servers.glean.auth).toEqual({ type: 'act-as', token: 'keychain:glean', user: 'me@acme.com' });
  expect(readFileSync(configFile(), 'utf8')).not.toContain(GLEAN_TOKEN);
});

test('act-as with --header X-Scio-Actas records that header', async () => {
  const result = await cli(['login', 'glean', '--url', GLEAN_URL, '--type', 'act-as', '--user', 'me@acme.com', '--header', 'X-Scio-Actas', ...NO_VERIFY], GLEAN_TOKEN);
  expect(result.code).toBe(0);
  expect(readJson(configFile()).servers.glean.auth).toEqual({ type: 'act-as', token: 'keychain:glean', user: 'me@acme.com', header: 'X-Scio-Actas' });
});

test('login <act-as server> --user changes only auth.user, keeping the rest of the entry as written', async () => {
  const other = { url: 'https://other.example/mcp', auth: { type: 'none' } };
  const glean = { url: GLEAN_URL, timeout: '45s', headers: { 'X-Tenant': 'acme' }, auth: { type: 'act-as', token: 'keychain:glean', user: 'me@acme.com', header: 'X-Scio-Actas' } };
  writeConfig({ logLevel: 'warn', servers: { other, glean } });
  const result = await cli(['login', 'glean', '--user', 'other@acme.com', ...NO_VERIFY], GLEAN_TOKEN);
  expect(result.stderr).not.toContain('error:');
  expect(result.code).toBe(0);
  expect(result.stderr).toContain(`Set servers.glean.auth.user to other@acme.com in ${configFile()}`);
  expect(readJson(configFile())).toEqual({
    logLevel: 'warn',
    servers: { other, glean: { ...glean, auth: { ...glean.auth, user: 'other@acme.com' } } },
  });
  expect(readJson(storeFile())).toEqual({ glean: GLEAN_TOKEN });
});

test('--user with an invalid email is a usage error and leaves the config as it was', async () => {
  const glean = { url: GLEAN_URL, timeout: '45s', auth: { type: 'act-as', token: 'keychain:glean', user: 'me@acme.com' } };
  writeConfig({ servers: { glean } });
  const before = readFileSync(configFile(), 'utf8');
  const result = await cli(['login', 'glean', '--user', 'not-an-email', ...NO_VERIFY], GLEAN_TOKEN);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('user must be the email of the user to act as');
  expect(readFileSync(configFile(), 'utf8')).toBe(before);
  expect(existsSync(storeFile())).toBe(false);
});

test('--user on a server that is not act-as is a usage error naming its type', async () => {
  writeConfig({ servers: { search: { url: 'https://search.example/mcp', auth: { type: 'bearer', token: 'keychain:search' } } } });
  const before = readFileSync(configFile(), 'utf8');
  const result = await cli(['login', 'search', '--user', 'other@acme.com', ...NO_VERIFY], RIGHT);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--user applies to act-as servers; "search" uses bearer');
  expect(readFileSync(configFile(), 'utf8')).toBe(before);
});

test('--user on an act-as server defined in a project file is refused; neither file changes', async () => {
  const project = join(home, 'mcp-auth-proxy.config.json');
  writeFileSync(project, JSON.stringify({ servers: { glean: { url: GLEAN_URL, auth: { type: 'act-as', token: 'keychain:glean', user: 'me@acme.com' } } } }));
  expect((await cli(['trust'])).code).toBe(0);
  const before = readFileSync(project, 'utf8');
  const result = await cli(['login', 'glean', '--user', 'other@acme.com', ...NO_VERIFY], GLEAN_TOKEN);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`servers.glean is defined in ${project}, not in ${configFile()}`);
  expect(readFileSync(project, 'utf8')).toBe(before);
  expect(existsSync(configFile())).toBe(false);
  expect(existsSync(storeFile())).toBe(false);
});

test('--user when the token cannot be stored (no keychain, no --insecure-storage): "nothing was stored" and the user is unchanged', async () => {
  const glean = { url: GLEAN_URL, auth: { type: 'act-as', token: 'keychain:glean', user: 'me@acme.com' } };
  writeConfig({ servers: { glean } });
  const result = await cli(['login', 'glean', '--user', 'other@acme.com', '--stdin', '--no-verify'], GLEAN_TOKEN);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('No OS keychain is available here, so nothing was stored');
  expect(existsSync(storeFile())).toBe(false);
  // The command failed and says nothing was stored: the config must not have changed either.
  expect(readJson(configFile())).toEqual({ servers: { glean } });
});

test('--type act-as without --user exits 2 naming auth.user; nothing is written', async () => {
  const result = await cli(['login', 'glean', '--url', GLEAN_URL, '--type', 'act-as', ...NO_VERIFY], GLEAN_TOKEN);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('Cannot create server "glean": auth.user:');
  expect(result.stderr).toContain('--type act-as --user me@acme.com');
  expect(existsSync(configFile())).toBe(false);
  expect(existsSync(storeFile())).toBe(false);
});

test('--type headers with two --header reads two stdin lines and stores one entry per header', async () => {
  const result = await cli(
    ['login', 'tickets', '--url', 'https://tickets.example/mcp', '--type', 'headers', '--header', 'X-Api-Key', '--header', 'X-Tenant-Key', ...NO_VERIFY],
    `${API_KEY}\n${TENANT_KEY}\n`,
  );
  expect(result.stderr).not.toContain('error:');
  expect(result.code).toBe(0);
  expect(statSync(storeFile()).mode & 0o777).toBe(0o600);
  const store = readJson(storeFile());
  expect(Object.keys(store)).toHaveLength(2);
  const auth = readJson(configFile()).servers.tickets.auth;
  expect(auth.type).toBe('headers');
  expect(Object.keys(auth.headers)).toEqual(['X-Api-Key', 'X-Tenant-Key']);
  // Each header references its own entry, holding the line entered for it, in order.
  const account = (header: string) => (auth.headers[header] as string).replace(/^keychain:/, '');
  expect(auth.headers['X-Api-Key']).toMatch(/^keychain:/);
  expect(auth.headers['X-Tenant-Key']).toMatch(/^keychain:/);
  expect(store[account('X-Api-Key')]).toBe(API_KEY);
  expect(store[account('X-Tenant-Key')]).toBe(TENANT_KEY);
  const configText = readFileSync(configFile(), 'utf8');
  expect(configText).not.toContain(API_KEY);
  expect(configText).not.toContain(TENANT_KEY);
});

test('--type headers with two --header but one stdin line exits 2 and stores nothing', async () => {
  const result = await cli(
    ['login', 'tickets', '--url', 'https://tickets.example/mcp', '--type', 'headers', '--header', 'X-Api-Key', '--header', 'X-Tenant-Key', ...NO_VERIFY],
    `${API_KEY}\n`,
  );
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('Expected 2 lines on stdin (one per secret), got 1; nothing was stored');
  expect(existsSync(storeFile())).toBe(false);
  expect(existsSync(configFile())).toBe(false);
});

test('logout of a headers server removes every one of its entries and nothing else', async () => {
  const login = await cli(
    ['login', 'tickets', '--url', 'https://tickets.example/mcp', '--type', 'headers', '--header', 'X-Api-Key', '--header', 'X-Tenant-Key', ...NO_VERIFY],
    `${API_KEY}\n${TENANT_KEY}\n`,
  );
  expect(login.code).toBe(0);
  expect((await cli(['login', 'glean', '--url', GLEAN_URL, '--type', 'act-as', '--user', 'me@acme.com', ...NO_VERIFY], GLEAN_TOKEN)).code).toBe(0);
  const accounts = Object.values(readJson(configFile()).servers.tickets.auth.headers as Record<string, string>).map((r) => r.replace(/^keychain:/, ''));
  expect(Object.keys(readJson(storeFile())).sort()).toEqual([...accounts, 'glean'].sort());

  const logout = await cli(['logout', 'tickets']);
  expect(logout.code).toBe(0);
  for (const account of accounts) expect(logout.stdout).toContain(`Removed keychain:${account} from the insecure file store`);
  expect(readJson(storeFile())).toEqual({ glean: GLEAN_TOKEN });
  // The config entry stays.
  expect(readJson(configFile()).servers.tickets.auth.type).toBe('headers');
});

describe('verification against an act-as upstream that also requires a static X-Tenant header', () => {
  let upstream: Awaited<ReturnType<typeof listen>>;
  let received: Array<IncomingMessage['headers']>;

  beforeEach(async () => {
    received = [];
    upstream = await listen((req, res) => {
      received.push(req.headers);
      req.resume();
      const ok = req.headers.authorization === `Bearer ${GLEAN_TOKEN}` && req.headers['x-tenant'] === 'acme' && req.headers['x-glean-actas'] === 'other@acme.com';
      req.on('end', () => res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' }).end(ok ? '{"jsonrpc":"2.0","id":1,"result":{}}' : '{"error":"forbidden"}'));
    });
  });
  afterEach(async () => {
    await upstream.close();
  });

  test('control: login without --user sends the static header at the check, and passes', async () => {
    const glean = { url: `${upstream.url}/mcp`, headers: { 'X-Tenant': 'acme' }, auth: { type: 'act-as', token: 'keychain:glean', user: 'other@acme.com' } };
    writeConfig({ servers: { glean } });
    const result = await cli(['login', 'glean', '--stdin', '--insecure-storage'], GLEAN_TOKEN);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ authorization: `Bearer ${GLEAN_TOKEN}`, 'x-glean-actas': 'other@acme.com', 'x-tenant': 'acme' });
    expect(result.code).toBe(0);
  });

  test('login --user checks the new user with the entry’s static headers, as the proxy will send them', async () => {
    const glean = { url: `${upstream.url}/mcp`, headers: { 'X-Tenant': 'acme' }, auth: { type: 'act-as', token: 'keychain:glean', user: 'me@acme.com' } };
    writeConfig({ servers: { glean } });
    const result = await cli(['login', 'glean', '--user', 'other@acme.com', '--stdin', '--insecure-storage'], GLEAN_TOKEN);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ authorization: `Bearer ${GLEAN_TOKEN}`, 'x-glean-actas': 'other@acme.com', 'x-tenant': 'acme' });
    expect(result.stderr).not.toContain('error:');
    expect(result.code).toBe(0);
    expect(readJson(configFile()).servers.glean).toEqual({ ...glean, auth: { ...glean.auth, user: 'other@acme.com' } });
  });
});

describe('verification against a bearer upstream that accepts only the right token', () => {
  let upstream: Awaited<ReturnType<typeof listen>>;
  let received: Array<{ method: string; headers: IncomingMessage['headers'] }>;

  beforeEach(async () => {
    received = [];
    upstream = await listen((req, res) => {
      received.push({ method: req.method ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        if (req.headers.authorization === `Bearer ${RIGHT}`) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"search","version":"1"}}}');
        } else {
          // A careless upstream that echoes the credential it refused.
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `invalid token: ${req.headers.authorization}` }));
        }
      });
    });
    writeConfig({ servers: { search: { url: `${upstream.url}/mcp`, auth: { type: 'bearer', token: 'keychain:search' } } } });
  });
  afterEach(async () => {
    await upstream.close();
  });

  test('the right token: stored, checked with one Bearer request, exit 0', async () => {
    const result = await cli(['login', 'search', '--stdin', '--insecure-storage'], `${RIGHT}\n`);
    expect(result.stderr).not.toContain('error:');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`✓ ${upstream.url}/mcp accepted the signed request (HTTP 200)`);
    expect(received).toEqual([{ method: 'POST', headers: expect.objectContaining({ authorization: `Bearer ${RIGHT}` }) }]);
    expect(readJson(storeFile())).toEqual({ search: RIGHT });
  });

  test('a wrong token: refused, exit 1, the working token stays stored, the value never printed even though the upstream echoed it', async () => {
    expect((await cli(['login', 'search', '--stdin', '--insecure-storage'], `${RIGHT}\n`)).code).toBe(0);
    received = [];
    const result = await cli(['login', 'search', '--stdin', '--insecure-storage'], `${WRONG}\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Nothing was stored: ${upstream.url}/mcp refused the signed request: HTTP 401`);
    expect(result.stderr).toContain('whatever was stored before still is');
    expect(result.stderr).toContain('invalid token: Bearer [REDACTED]');
    expect(received).toEqual([{ method: 'POST', headers: expect.objectContaining({ authorization: `Bearer ${WRONG}` }) }]);
    // The mistyped token did not destroy the one that works.
    expect(readJson(storeFile())).toEqual({ search: RIGHT });
  });

  test('--no-verify stores at once, without a request upstream', async () => {
    const result = await cli(['login', 'search', '--stdin', '--insecure-storage', '--no-verify'], `${WRONG}\n`);
    expect(result.code).toBe(0);
    expect(received).toEqual([]);
    expect(readJson(storeFile())).toEqual({ search: WRONG });
  });
});
