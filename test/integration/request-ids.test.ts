// Request ids: a well-formed X-Request-Id from the agent is kept, anything
// else is replaced by a fresh one; either way the upstream receives it, the
// agent gets it back, and every log line of that request carries it (the
// access line and the warnings the request caused).
import { listen, eventually, request } from '../helpers/net.js';
import { hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
const seen: Array<string | string[] | undefined> = [];

beforeEach(async () => {
  seen.length = 0;
  upstream = await listen((req, res) => {
    seen.push(req.headers['x-request-id']);
    req.resume();
    // /refuse answers 401: the proxy logs a warning for that request besides its access line.
    const status = req.url?.startsWith('/refuse') ? 401 : 200;
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'upstream-own-id' }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
  });
  proxy = await startTestProxy({ servers: { gw: hmacServer(`${upstream.url}/mcp`), refusing: hmacServer(`${upstream.url}/refuse/mcp`) } }, { TEST_SECRET: 'secret-value-1234' });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const post = (path: string, headers: Record<string, string> = {}) =>
  request(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });

const linesOf = (id: string) => proxy.logs.lines().filter((l) => l.requestId === id);

test('a well-formed X-Request-Id reaches the upstream, comes back, and is on every log line of the request', async () => {
  const id = 'agent-0f9e8d7c.6b5a:42';
  const res = await post('/refusing/mcp', { 'x-request-id': id });
  expect(res.status).toBe(401);
  expect(seen).toEqual([id]);
  // Ours, not the upstream's: it is the one in our log lines.
  expect(res.headers['x-request-id']).toBe(id);
  await eventually(() => linesOf(id).some((l) => l.message === 'request'));
  const lines = linesOf(id);
  expect(lines.map((l) => l.message).sort()).toEqual(['request', 'upstream refused the credential']);
  // No line about this request lacks the id: every line naming the server has one.
  const aboutServer = proxy.logs.lines().filter((l) => l.server === 'refusing');
  expect(aboutServer.every((l) => l.requestId === id)).toBe(true);
  // The upstream's own id is kept in the access line for support tickets.
  expect(lines.find((l) => l.message === 'request')).toMatchObject({ upstreamRequestId: 'upstream-own-id', status: 401, upstreamStatus: 401 });
});

test.each([
  ['none sent', undefined],
  ['spaces', 'has spaces in it'],
  ['a quote', 'abc"def'],
  ['too long', 'x'.repeat(129)],
  ['a control character', 'abc\u0001def'.replace('\u0001', '%01')],
  ['leading punctuation', '-abc'],
])('%s: a fresh id is made, sent upstream, returned and logged', async (_case, sent) => {
  const res = await post('/gw/mcp', sent === undefined ? {} : { 'x-request-id': sent });
  expect(res.status).toBe(200);
  const id = res.headers['x-request-id'] as string;
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(id).not.toBe(sent);
  expect(seen).toEqual([id]);
  await eventually(() => linesOf(id).length === 1);
});

test('answers the proxy makes itself carry the id too: unknown server, guard refusal, unreachable upstream', async () => {
  const unknown = await post('/nope/mcp', { 'x-request-id': 'id-unknown-1' });
  expect(unknown.status).toBe(404);
  expect(unknown.headers['x-request-id']).toBe('id-unknown-1');
  const refused = await post('/gw/mcp', { 'x-request-id': 'id-refused-1', origin: 'https://evil.example' });
  expect(refused.status).toBe(403);
  expect(refused.headers['x-request-id']).toBe('id-refused-1');
  await upstream.close();
  const down = await post('/gw/mcp', { 'x-request-id': 'id-down-1' });
  expect(down.status).toBe(502);
  expect(down.headers['x-request-id']).toBe('id-down-1');
  // A refused connection is tried once more on a fresh one: three lines, each with the id.
  await eventually(() => linesOf('id-down-1').some((l) => l.message === 'request'));
  expect(linesOf('id-down-1').map((l) => l.message).sort()).toEqual(['request', 'retrying on a fresh connection', 'upstream unreachable']);
  expect(proxy.logs.lines().filter((l) => l.server === 'gw').every((l) => typeof l.requestId === 'string')).toBe(true);
  expect(linesOf('id-down-1').find((l) => l.message === 'request')).toMatchObject({ status: 502, failure: 'unreachable', server: 'gw' });
});
