// An upstream that dies in the middle of a response ends the client's
// response too (incomplete), instead of leaving the agent waiting forever.
import type { Socket } from 'node:net';
import { listen, openStream } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let kill!: () => void;

beforeEach(async () => {
  upstream = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: message\ndata: {"partial":true}\n\n');
    kill = () => (res.socket as Socket).destroy();
  });
  proxy = await startTestProxy({ servers: { s: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('a reset mid-stream ends the client stream, marked incomplete, and is logged', async () => {
  const stream = await openStream(`${proxy.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await stream.next(/"partial":true/);
  const closed = new Promise<boolean>((resolve) => stream.res.once('close', () => resolve(stream.res.complete)));
  kill();
  expect(await closed).toBe(false);
  expect(proxy.logs.lines().some((l) => l.message === 'upstream closed the response early' && l.server === 's')).toBe(true);
}, 10_000);
