// Limits on what a client may send: a slow-loris connection that never
// finishes its headers is closed at the header timeout, oversized headers get
// 431, and a request smuggling attempt (Content-Length with Transfer-Encoding)
// gets 400; none of them reaches the upstream.
import net from 'node:net';
import { countingUpstream } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let proxy: TestProxy;
beforeEach(async () => {
  upstream = await countingUpstream();
  proxy = await startTestProxy({ headersTimeout: '300ms', servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

/** Writes `parts` to a raw connection and resolves with everything the proxy answered once it closes. */
function raw(parts: string[]): Promise<{ answer: string; closed: boolean }> {
  const { port } = new URL(proxy.url);
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      for (const part of parts) socket.write(part);
    });
    socket.on('data', (c) => (answer += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer, closed: true }));
  });
}

test('a connection that never finishes its headers is closed at the header timeout', async () => {
  const { port } = new URL(proxy.url);
  const result = await raw([`POST /gw/mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `]);
  expect(result.closed).toBe(true);
  expect(result.answer === '' || /^HTTP\/1\.1 408/.test(result.answer)).toBe(true);
  expect(upstream.hits()).toBe(0);
});

test('Content-Length together with Transfer-Encoding (smuggling) → 400, nothing forwarded', async () => {
  const { port } = new URL(proxy.url);
  const body = '0\r\n\r\nGET /gw/mcp HTTP/1.1\r\nHost: x\r\n\r\n';
  const result = await raw([
    `POST /gw/mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
  ]);
  expect(result.answer).toMatch(/^HTTP\/1\.1 400/);
  expect(upstream.hits()).toBe(0);
});

test('headers past 16 KiB → 431, nothing forwarded', async () => {
  const { port } = new URL(proxy.url);
  const result = await raw([`GET /gw/mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
  expect(result.answer).toMatch(/^HTTP\/1\.1 431/);
  expect(upstream.hits()).toBe(0);
});

test('past maxConnections, further connections are closed at once; the ones inside keep working', async () => {
  const limited = await startTestProxy({ maxConnections: 2, servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
  const { port } = new URL(limited.url);
  const open = () =>
    new Promise<net.Socket>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
      socket.on('error', () => undefined);
    });
  try {
    const inside = [await open(), await open()];
    const third = await open();
    await new Promise((resolve) => third.once('close', resolve));
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      inside[0]?.on('data', (c) => {
        text += c.toString();
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      inside[0]?.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    for (const socket of inside) socket.destroy();
  } finally {
    await limited.close();
  }
});
