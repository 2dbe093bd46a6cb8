// `mcp-auth-proxy reload` on a running daemon: a rotated secret takes effect
// for new requests while an SSE stream opened before keeps flowing; an
// invalid new config is refused with its problems (exit 1) and the old one
// keeps serving.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { checkSignature } from '../helpers/gateway.js';
import { listen, openStream, request } from '../helpers/net.js';

const KEY = 'key-reload';
const OLD = 'old-secret-0a1b2c3d4e5f';
const NEW = 'new-secret-9f8e7d6c5b4a';
let secret = OLD;
let held: ServerResponse | undefined;
const verdicts: string[] = [];
let upstream: Awaited<ReturnType<typeof listen>>;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  secret = OLD;
  upstream = await listen((req, res) => {
    const verdict = checkSignature(req, KEY, secret);
    verdicts.push(`${req.method} ${verdict}`);
    if (verdict !== 'accepted') return void res.writeHead(401).end();
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"n":1}\n\n');
      held = res;
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  home = mkdtempSync(join(tmpdir(), 'map-reload-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  writeSecret(OLD);
  writeConfig({ url: `${upstream.url}/mcp`, auth: { type: 'hmac', keyId: KEY, secret: `file:${join(home, 'gw.secret')}` } });
});
afterEach(async () => {
  // --listen: the config may be the broken one by now, and the daemon serves the configured 127.0.0.1:0.
  await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home });
  held?.end();
  await upstream.close();
});

function writeSecret(value: string): void {
  writeFileSync(join(home, 'gw.secret'), value, { mode: 0o600 });
  chmodSync(join(home, 'gw.secret'), 0o600);
}

function writeConfig(gw: unknown, extra: Record<string, unknown> = {}): void {
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', servers: { gw }, ...extra }));
}

const post = (url: string) => request(`${url}/gw/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });

test('a rotated secret is used for new requests; the open stream survives; a bad config is refused and the old one kept', async () => {
  const started = await runCli(['start', '--detach'], { env, cwd: home });
  expect(started.code).toBe(0);
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  const stream = await openStream(`${url}/gw/mcp`, { headers: { accept: 'text/event-stream' } });
  expect(await stream.next(/data: \{"n":1\}\n\n/)).toContain('"n":1');

  writeSecret(NEW);
  secret = NEW;
  const reloaded = await runCli(['reload', '--listen', '127.0.0.1:0'], { env, cwd: home });
  expect(reloaded.stderr).toBe('');
  expect(reloaded.code).toBe(0);
  expect(reloaded.stdout).toContain('serving gw');
  expect((await post(url)).status).toBe(200);
  expect(verdicts.at(-1)).toBe('POST accepted');
  // The stream opened before the reload still flows.
  held?.write('event: message\ndata: {"n":2}\n\n');
  expect(await stream.next(/data: \{"n":2\}\n\n/)).toContain('"n":2');

  writeConfig({ url: 'not a url', auth: { type: 'hmac', keyId: KEY, secret: `file:${join(home, 'gw.secret')}` } });
  const refused = await runCli(['reload', '--listen', '127.0.0.1:0'], { env, cwd: home });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('keeps the old one');
  expect(refused.stderr).toMatch(/servers\.gw\.url: must be an http:\/\/ or https:\/\/ URL/);
  expect((await post(url)).status).toBe(200);
  stream.req.destroy();
});

test('reload turns the audit log on and off: tool calls after it are audited, and none after it is off again', async () => {
  const gw = { url: `${upstream.url}/mcp`, auth: { type: 'hmac', keyId: KEY, secret: `file:${join(home, 'gw.secret')}` } };
  const started = await runCli(['start', '--detach'], { env, cwd: home });
  expect(started.code).toBe(0);
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  const call = (tool: string) =>
    request(`${url}/gw/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool } }) });
  const auditFile = join(home, 'state', 'mcp-auth-proxy', 'audit.jsonl');
  const tools = () => (existsSync(auditFile) ? readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { tool: string }).tool) : []);

  expect((await call('before')).status).toBe(200);
  writeConfig(gw, { audit: true });
  expect((await runCli(['reload', '--listen', '127.0.0.1:0'], { env, cwd: home })).code).toBe(0);
  expect((await call('while-on')).status).toBe(200);
  writeConfig(gw, { audit: false });
  expect((await runCli(['reload', '--listen', '127.0.0.1:0'], { env, cwd: home })).code).toBe(0);
  expect((await call('after-off')).status).toBe(200);
  // stop closes the retired log too, so its lines are on disk when it returns.
  expect((await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home })).code).toBe(0);
  expect(tools()).toEqual(['while-on']);
});
