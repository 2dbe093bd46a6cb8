// A legacy SSE upstream that misbehaves: unknown fields and bad retry values
// are ignored as the SSE spec says (the stream stays up), a redirect is not
// followed and does not reveal where it points (502), an endpoint on another
// origin or with a path that could leave it closes the stream, an error answer
// repeating the signature has it redacted, and wrong methods on the legacy
// routes get 405.
import { checkSignature } from '../helpers/gateway.js';
import { listen, openStream } from '../helpers/net.js';
import { KEY_ID, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: Awaited<ReturnType<typeof listen>>;
let proxy: TestProxy;
let script: (res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) => void;

beforeEach(async () => {
  upstream = await listen((req, res) => {
    if (checkSignature(req, KEY_ID, SECRET) !== 'accepted') return void res.writeHead(401).end();
    script(res, req);
  });
  proxy = await startTestProxy({ servers: { old: { url: `${upstream.url}/sse`, transport: 'sse', auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:TEST_SECRET' } } } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('unknown fields and a bad retry value are ignored; the events around them arrive', async () => {
  script = (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('foo: bar\nretry: soon\n\nevent: endpoint\ndata: /messages?sessionId=1\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"ping"}\n\n');
  };
  const stream = await openStream(`${proxy.url}/old/sse`);
  await stream.next(/event: endpoint\ndata: \/old\/messages\?session=[0-9a-f]{32}\n\n/);
  expect(await stream.next(/event: message\ndata: .*\n\n/)).toBe('event: message\ndata: {"jsonrpc":"2.0","method":"ping"}\n\n');
  expect(stream.res.destroyed).toBe(false);
  stream.req.destroy();
});

test('a redirect is not followed and its Location is not passed on: 502 naming the fix', async () => {
  script = (res) => res.writeHead(302, { location: 'https://internal.upstream.example/elsewhere' }).end();
  const response = await fetch(`${proxy.url}/old/sse`, { redirect: 'manual' });
  expect(response.status).toBe(502);
  expect(response.headers.get('location')).toBeNull();
  const body = await response.text();
  expect(body).toContain('UPSTREAM_REDIRECT');
  expect(body).not.toContain('internal.upstream.example');
});

test('an endpoint on another origin closes the stream before any endpoint reaches the agent', async () => {
  script = (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: endpoint\ndata: https://collector.example/messages\n\n');
  };
  const stream = await openStream(`${proxy.url}/old/sse`);
  await new Promise((resolve) => stream.res.once('close', resolve));
  expect(proxy.logs.text).toContain('the upstream named a message endpoint on another origin');
});

test.each(['/messages/..%2f..%2fadmin?sessionId=1', '/%2e%2e%2fadmin', '/messages%5c..%5cadmin', '/messages/%252e%252e/admin'])(
  'an endpoint whose path could leave it (%s) closes the stream; no message endpoint reaches the agent',
  async (endpoint) => {
    script = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: endpoint\ndata: ${endpoint}\n\n`);
    };
    const stream = await openStream(`${proxy.url}/old/sse`);
    let text = '';
    stream.res.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await new Promise((resolve) => stream.res.once('close', resolve));
    expect(text).not.toContain('event: endpoint');
    expect(proxy.logs.text).toContain('with a path that could leave it');
  },
);

test('an error answer to the stream request that repeats the signature has it redacted', async () => {
  script = (res, req) => res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad signature ${String(req.headers['x-signature'])} for ${KEY_ID}`);
  const response = await fetch(`${proxy.url}/old/sse`);
  expect(response.status).toBe(401);
  expect(await response.text()).toBe('bad signature [REDACTED] for [REDACTED]');
});

test('wrong methods on the legacy routes get 405 with Allow', async () => {
  script = (res) => res.writeHead(500).end();
  const post = await fetch(`${proxy.url}/old/sse`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('GET');
  const get = await fetch(`${proxy.url}/old/messages?session=x`);
  expect(get.status).toBe(405);
  expect(get.headers.get('allow')).toBe('POST');
});
