// Bodies over maxBodyBytes get 413 and nothing reaches the upstream, whether
// the size is declared up front or only discovered while streaming.
import http from 'node:http';
import { countingUpstream, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof countingUpstream>>;

beforeEach(async () => {
  upstream = await countingUpstream();
  proxy = await startTestProxy({ maxBodyBytes: 1024, servers: { a: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('a declared oversized body gets 413', async () => {
  const res = await request(`${proxy.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(2048, 0x20) });
  expect(res.status).toBe(413);
  expect(JSON.parse(res.body).error.data.code).toBe('BODY_TOO_LARGE');
  expect(upstream.hits()).toBe(0);
});

test('a chunked body that grows past the cap gets 413', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(`${proxy.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 0x20));
    req.end();
  });
  expect(status).toBe(413);
  expect(upstream.hits()).toBe(0);
});

test('a body at the cap is forwarded', async () => {
  const res = await request(`${proxy.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(1024, 0x20) });
  expect(res.status).toBe(200);
  expect(upstream.hits()).toBe(1);
});
