// Team mode: /metrics answers this machine and the metricsFrom addresses (the
// Prometheus pods of a cluster), nobody else; /statusz stays this machine's.
// The scraper's address is believed from a trusted proxy's X-Forwarded-For,
// as every caller address is.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test('metricsFrom addresses may scrape /metrics; others, and /statusz from them, are refused', async () => {
  proxy = await startTestProxy({
    mode: 'team',
    identity: [{ type: 'apiKey', store: join(mkdtempSync(join(tmpdir(), 'map-scrape-')), 'api-keys.json') }],
    trustedProxies: ['127.0.0.1'],
    metricsFrom: ['10.0.0.0/8', '2001:db8::/32'],
    servers: { up: { url: upstream.url, auth: { type: 'none' } } },
  });
  const from = (address: string, path = '/metrics') => request(`${proxy?.url}${path}`, { headers: { 'x-forwarded-for': address } });
  const scraped = await from('10.2.3.4');
  expect(scraped.status).toBe(200);
  expect(scraped.body).toContain('# TYPE mcp_proxy_requests_total counter');
  expect((await from('2001:db8::7')).status).toBe(200);
  expect((await from('203.0.113.9')).status).toBe(403);
  expect((await from('10.2.3.4', '/statusz')).status).toBe(403);
});
