// Upstreams that take their key in the URL (a path segment, a query
// parameter): the config holds a ${keychain:...} reference there, the proxy
// fills it in for every request (and a login reaches a running proxy), the
// key never shows in status or the log, and the stdio bridge sends it too.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCliWithInput } from '../helpers/cli.js';
import { INITIALIZE, MCP_POST_HEADERS } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { recordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.js';

const PATH_KEY = 'pathKey0123456789abcdefXYZ';
const QUERY_KEY = 'query key/with+odd&chars';
const ANSWER = '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"u","version":"1"}}}';
let upstream: RecordingUpstream;
let proxy: TestProxy | undefined;

beforeEach(async () => {
  upstream = await recordingUpstream((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

test('the proxy fills the references in; status and the log never show them', async () => {
  const url = `${upstream.url}/api/s/\${env:PATH_KEY}/mcp?api_key=\${env:QUERY_KEY}&profile=p1`;
  proxy = await startTestProxy({ servers: { hosted: { url, auth: { type: 'none' } } } }, { PATH_KEY, QUERY_KEY });
  const res = await fetch(`${proxy.url}/hosted/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
  expect(res.status).toBe(200);
  expect(upstream.received.map((r) => r.url)).toEqual([`/api/s/${PATH_KEY}/mcp?api_key=query%20key%2Fwith%2Bodd%26chars&profile=p1`]);
  const status = await (await fetch(`${proxy.url}/statusz`)).text();
  expect(status).toContain('/api/s/[REDACTED]/mcp');
  expect(status).not.toContain(PATH_KEY);
  expect(proxy.logs.text).not.toContain(PATH_KEY);
});

test('a missing secret: 503 naming the fix, nothing sent', async () => {
  proxy = await startTestProxy({ servers: { hosted: { url: `${upstream.url}/s/\${env:NOT_SET_KEY}/mcp`, auth: { type: 'none' } } } }, {});
  const res = await fetch(`${proxy.url}/hosted/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
  expect(res.status).toBe(503);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain('servers.hosted.url refers to environment variable NOT_SET_KEY');
  expect(upstream.received).toEqual([]);
});

test('login asks for the URL\'s secret, checks it with one request, and the stdio bridge sends it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-url-secret-'));
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { hosted: { url: `${upstream.url}/s/\${keychain:hosted.url-key}/mcp`, auth: { type: 'none' } } } }));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  const login = await runCliWithInput(['login', 'hosted', '--stdin', '--insecure-storage'], PATH_KEY, { cwd: home, env });
  expect(login.code).toBe(0);
  expect(login.stdout).toContain('Stored the secret in the URL for "hosted"');
  expect(upstream.received.at(-1)?.url).toBe(`/s/${PATH_KEY}/mcp`);
  const bridged = await runCliWithInput(['stdio', 'hosted'], `${INITIALIZE}\n`, { cwd: home, env });
  expect(bridged.stdout).toContain('"serverInfo"');
  expect(upstream.received.at(-1)?.url).toBe(`/s/${PATH_KEY}/mcp`);
  for (const out of [login, bridged]) expect(out.stdout + out.stderr).not.toContain(PATH_KEY);
});
