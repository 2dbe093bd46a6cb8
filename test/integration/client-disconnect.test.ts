// A client that leaves mid-stream aborts the upstream request too, so the
// upstream does not keep a stream open for nobody.
import type { IncomingMessage } from 'node:http';
import { listen, openStream } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let upstreamClosed: Promise<void>;

beforeEach(async () => {
  let onClose!: () => void;
  upstreamClosed = new Promise((resolve) => (onClose = resolve));
  upstream = await listen((req: IncomingMessage, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    res.on('close', onClose);
  });
  proxy = await startTestProxy({ servers: { s: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('destroying the client stream closes the upstream request', async () => {
  const stream = await openStream(`${proxy.url}/mcp`, { headers: { accept: 'text/event-stream' } });
  await stream.next(/: open\n\n/);
  stream.req.destroy();
  await upstreamClosed; // resolves only if the proxy tore down its upstream request
});
