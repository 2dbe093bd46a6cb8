// Stopping while agents hold connections: with shutdownTimeout at ten
// minutes, close() must still return, because only a connection with a
// response in progress may hold it up. Clients leave idle keep-alive
// connections, open spares that never carry a request (fetch does; Node
// counts those as busy), and keep connections whose stream the stop ends.
import http from 'node:http';
import net from 'node:net';
import { listen } from '../helpers/net.js';
import { hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: Awaited<ReturnType<typeof listen>>;
let proxy: TestProxy;
beforeEach(async () => {
  upstream = await listen((req, res) => {
    req.resume();
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      return;
    }
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  proxy = await startTestProxy({ shutdownTimeout: '10m', servers: { gw: hmacServer(`${upstream.url}/mcp`) } }, { TEST_SECRET: 'secret-value-1234' });
});
afterEach(() => upstream.close());

test('close() returns at once with a spare connection that never sent a request', async () => {
  const spare = net.connect(proxy.proxy.port, '127.0.0.1');
  await new Promise((resolve) => spare.once('connect', resolve));
  const ended = new Promise((resolve) => spare.once('close', resolve));
  await proxy.close();
  await ended;
  expect(spare.destroyed).toBe(true);
});

test('close() returns once the streams it ends leave their keep-alive connections idle', async () => {
  const agent = new http.Agent({ keepAlive: true });
  // One finished request (an idle connection) and one open GET stream (a busy one until the stop ends it).
  await new Promise<void>((resolve) => {
    http.request(`${proxy.url}/mcp`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => res.resume().on('end', resolve)).end('{}');
  });
  const stream = await new Promise<http.IncomingMessage>((resolve) => http.get(`${proxy.url}/mcp`, { agent, headers: { accept: 'text/event-stream' } }, resolve));
  stream.resume();
  const streamEnded = new Promise((resolve) => stream.once('end', resolve));
  await proxy.close();
  await streamEnded;
  agent.destroy();
  expect(stream.complete).toBe(true);
});
