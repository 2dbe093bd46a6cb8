// A running daemon follows `login` and `logout` for every scheme, with no
// `reload`: a stored, changed or removed credential is used (or no longer
// used) by the very next request, and `status` shows the truth. For OAuth, a
// logout stops the in-memory token from going upstream at once.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, runCliWithInput } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { INITIALIZE, MCP_POST_HEADERS, listen } from '../helpers/net.js';
import { startOAuthBed, type OAuthBed } from '../helpers/oauth-proxy.js';

const FIRST = 'follow-first-token-7c1e94';
const SECOND = 'follow-second-token-2b8d05';
const GLOBAL = 'follow-glean-global-token-51aa3e';

let home: string;
let env: NodeJS.ProcessEnv;
let daemon: Daemon | undefined;
let upstream: Awaited<ReturnType<typeof listen>> | undefined;
let seen: IncomingHttpHeaders[];

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'map-follow-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  seen = [];
  // Accepts any credential and records the headers it came with.
  upstream = await listen((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"u","version":"1"}}}'));
  });
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await upstream?.close();
});

const writeConfig = (servers: Record<string, unknown>) => {
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers }));
};
const call = (server: string) => fetch(`${daemon?.url}/${server}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
const status = async () => JSON.parse((await runCli(['status', '--json', '--listen', new URL(daemon?.url as string).host], { cwd: home, env })).stdout);
const login = (args: string[], secret: string) => runCliWithInput(['login', ...args, '--stdin', '--insecure-storage', '--no-verify'], secret, { cwd: home, env });

test('bearer: the first login, a new token and a logout each take effect at the next request, and status follows', async () => {
  writeConfig({ search: { url: `${upstream?.url}/mcp`, auth: { type: 'bearer', token: 'keychain:search' } } });
  daemon = await startDaemon(env, home);
  expect((await call('search')).status).toBe(503);
  expect((await status()).servers.search.credential).toBe('missing');

  const first = await login(['search'], FIRST);
  expect(first.code).toBe(0);
  expect(first.stderr).toContain('now uses the new credential for "search"');
  expect((await call('search')).status).toBe(200);
  expect(seen.at(-1)?.authorization).toBe(`Bearer ${FIRST}`);
  expect((await status()).servers.search.credential).toBe('present');

  expect((await login(['search'], SECOND)).code).toBe(0);
  expect((await call('search')).status).toBe(200);
  expect(seen.at(-1)?.authorization).toBe(`Bearer ${SECOND}`);

  const out = await runCli(['logout', 'search'], { cwd: home, env });
  expect(out.code).toBe(0);
  expect(out.stderr).toContain('now has no usable credential for "search"');
  const before = seen.length;
  const refused = await call('search');
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('mcp-auth-proxy login search');
  expect(seen.length).toBe(before);
  expect((await status()).servers.search.credential).toBe('missing');
  // No secret reached the daemon's log.
  for (const secret of [FIRST, SECOND]) expect(daemon.log()).not.toContain(secret);
});

test('act-as: login --user changes the acting user of the running daemon', async () => {
  writeConfig({ glean: { url: `${upstream?.url}/mcp`, auth: { type: 'act-as', token: 'keychain:glean', user: 'me@acme.com' } } });
  expect((await login(['glean'], GLOBAL)).code).toBe(0);
  daemon = await startDaemon(env, home);
  await call('glean');
  expect(seen.at(-1)?.['x-glean-actas']).toBe('me@acme.com');
  expect((await login(['glean', '--user', 'other@acme.com'], GLOBAL)).code).toBe(0);
  await call('glean');
  expect(seen.at(-1)?.['x-glean-actas']).toBe('other@acme.com');
  expect(seen.at(-1)?.authorization).toBe(`Bearer ${GLOBAL}`);
});

test('a server login adds to the config is served by the running daemon at once', async () => {
  writeConfig({ search: { url: `${upstream?.url}/mcp`, auth: { type: 'none' } } });
  daemon = await startDaemon(env, home);
  expect((await call('extra')).status).toBe(404);
  const added = await runCliWithInput(['login', 'extra', '--url', `${upstream?.url}/extra`, '--type', 'bearer', '--stdin', '--insecure-storage', '--no-verify'], FIRST, { cwd: home, env });
  expect(added.code).toBe(0);
  expect((await call('extra')).status).toBe(200);
  expect(seen.at(-1)?.authorization).toBe(`Bearer ${FIRST}`);
});

describe('oauth', () => {
  let bed: OAuthBed;
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    await bed.close();
  });

  test('a logout stops the in-memory token at once; a new login is used without a reload', async () => {
    bed = await startOAuthBed();
    expect((await bed.login()).result.code).toBe(0);
    daemon = await startDaemon(bed.env, bed.home);
    const post = () => fetch(`${daemon?.url}/linear/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
    expect((await post()).status).toBe(200);
    const sent = bed.as.counts.mcpRequests;

    const out = await runCli(['logout', 'linear'], { cwd: bed.home, env: cleanEnv(bed.env) });
    expect(out.code).toBe(0);
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/not signed in to "linear".*mcp-auth-proxy login linear/);
    // The old token went nowhere: the upstream saw no further request.
    expect(bed.as.counts.mcpRequests).toBe(sent);

    expect((await bed.login([])).result.code).toBe(0);
    expect((await post()).status).toBe(200);
  });
});
