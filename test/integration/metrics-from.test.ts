// Team mode: /metrics answers this machine and connections from the
// metricsFrom addresses (the Prometheus pods of a cluster), nobody else;
// /statusz stays this machine's. The connection's own address decides: a
// forwarding header naming a metricsFrom address counts for nothing.
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { countingUpstream, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy | undefined;
let upstream: Awaited<ReturnType<typeof countingUpstream>>;
beforeEach(async () => {
  upstream = await countingUpstream();
});
afterEach(async () => {
  await proxy?.close();
  await upstream.close();
});

/** This machine's first address beyond loopback: connections to it come from it, which is not loopback. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;

const start = (metricsFrom: string[]) =>
  startTestProxy({
    mode: 'team',
    listen: '0.0.0.0:0',
    publicUrl: 'https://mcp-proxy.acme.example',
    identity: [{ type: 'apiKey', store: join(mkdtempSync(join(tmpdir(), 'map-scrape-')), 'api-keys.json') }],
    trustedProxies: ['127.0.0.1'],
    metricsFrom,
    servers: { up: { url: upstream.url, auth: { type: 'none' } } },
  });

test('a forwarding header naming a metricsFrom address does not make the caller one', async () => {
  proxy = await start(['10.0.0.0/8']);
  const forwarded = await request(`${proxy.url}/metrics`, { headers: { 'x-forwarded-for': '10.2.3.4' } });
  expect(forwarded.status).toBe(403);
});

(external ? test : test.skip)('a connection from a metricsFrom address may scrape /metrics, not /statusz; one from elsewhere may not', async () => {
  proxy = await start([`${external}/32`]);
  const port = new URL(proxy.url).port;
  const scraped = await request(`http://${external}:${port}/metrics`);
  expect(scraped.status).toBe(200);
  expect(scraped.body).toContain('# TYPE mcp_proxy_requests_total counter');
  expect((await request(`http://${external}:${port}/statusz`)).status).toBe(403);
  await proxy.close();
  proxy = await start(['10.0.0.0/8']);
  expect((await request(`http://${external}:${new URL(proxy.url).port}/metrics`)).status).toBe(403);
});
