// /metrics: Prometheus text that a strict reader accepts, whose counters move
// with traffic: requests by server, JSON-RPC method and status, first-byte
// and total latency histograms, upstream errors by kind, open SSE streams,
// credential rejections, process metrics. `status` data (/statusz) carries
// the headline counters. /metrics is guarded like every other route.
import http from 'node:http';
import { eventually, listen, request } from '../helpers/net.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let releaseStream: () => void = () => undefined;

beforeEach(async () => {
  upstream = await listen((req, res) => {
    req.resume();
    if (req.url?.startsWith('/refuse')) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      releaseStream = () => res.end();
      return;
    }
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  proxy = await startTestProxy(
    { servers: { gw: hmacServer(`${upstream.url}/mcp`), refusing: hmacServer(`${upstream.url}/refuse/mcp`), down: hmacServer('http://127.0.0.1:1/mcp') } },
    { TEST_SECRET: 'secret-value-1234' },
    { processMetrics: true },
  );
});
afterEach(async () => {
  releaseStream();
  await proxy.close();
  await upstream.close();
});

const post = (path: string, method: string, extra: Record<string, unknown> = {}) =>
  request(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...extra }) });

async function scrape() {
  const res = await request(`${proxy.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(res.body);
}

test('parses as Prometheus text, and the counters move with traffic', async () => {
  const before = await scrape();
  expect(before.types.get('mcp_proxy_requests_total')).toBe('counter');
  expect(before.types.get('mcp_proxy_request_duration_seconds')).toBe('histogram');
  expect(before.types.get('mcp_proxy_upstream_first_byte_seconds')).toBe('histogram');
  expect(before.types.get('mcp_proxy_open_streams')).toBe('gauge');
  // Process metrics from prom-client's defaults.
  expect(sampleValue(before.samples, 'process_cpu_user_seconds_total')).toEqual(expect.any(Number));
  expect(sampleValue(before.samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  expect(sampleValue(before.samples, 'mcp_proxy_requests_total', { server: 'gw' })).toBeUndefined();

  for (let i = 0; i < 3; i++) expect((await post('/gw/mcp', 'tools/call', { params: { name: 'echo' } })).status).toBe(200);
  expect((await post('/gw/mcp', 'tools/list')).status).toBe(200);
  // A method no MCP version has counts as "other": agents cannot mint label values.
  expect((await post('/gw/mcp', 'made/up-method-123')).status).toBe(200);
  expect((await post('/refusing/mcp', 'ping')).status).toBe(401);
  expect((await post('/down/mcp', 'ping')).status).toBe(502);

  // The access lines are written when each response closes; so are the metrics.
  await eventually(() => proxy.logs.lines().filter((l) => l.message === 'request').length >= 8);
  const after = (await scrape()).samples;
  expect(sampleValue(after, 'mcp_proxy_requests_total', { server: 'gw', rpc_method: 'tools/call', status: '200' })).toBe(3);
  expect(sampleValue(after, 'mcp_proxy_requests_total', { server: 'gw', rpc_method: 'tools/list', status: '200' })).toBe(1);
  expect(sampleValue(after, 'mcp_proxy_requests_total', { server: 'gw', rpc_method: 'other', status: '200' })).toBe(1);
  expect(after.some((s) => Object.values(s.labels).includes('made/up-method-123'))).toBe(false);
  expect(sampleValue(after, 'mcp_proxy_requests_total', { server: 'refusing', rpc_method: 'ping', status: '401' })).toBe(1);
  expect(sampleValue(after, 'mcp_proxy_requests_total', { server: 'down', rpc_method: 'ping', status: '502' })).toBe(1);
  expect(sampleValue(after, 'mcp_proxy_credential_rejections_total', { server: 'refusing', status: '401' })).toBe(1);
  expect(sampleValue(after, 'mcp_proxy_upstream_errors_total', { server: 'down', kind: 'refused' })).toBe(1);
  expect(sampleValue(after, 'mcp_proxy_request_duration_seconds_count', { server: 'gw', rpc_method: 'tools/call' })).toBe(3);
  expect(sampleValue(after, 'mcp_proxy_upstream_first_byte_seconds_count', { server: 'gw', rpc_method: 'tools/call' })).toBe(3);
  expect(sampleValue(after, 'mcp_proxy_request_duration_seconds_bucket', { server: 'gw', rpc_method: 'tools/call', le: '+Inf' })).toBe(3);
  expect(sampleValue(after, 'mcp_proxy_request_duration_seconds_sum', { server: 'gw', rpc_method: 'tools/call' })).toBeGreaterThan(0);

  // The headline counters for `status`.
  const status = JSON.parse((await request(`${proxy.url}/statusz`)).body) as { servers: Record<string, { counters?: Record<string, number> }> };
  expect(status.servers.gw?.counters).toMatchObject({ requests: 5, errors: 0, openStreams: 0 });
  expect(status.servers.down?.counters).toMatchObject({ requests: 1, errors: 1, upstreamErrors: 1 });
  expect(status.servers.refusing?.counters).toMatchObject({ requests: 1, credentialRejections: 1 });
});

test('open SSE streams are a gauge that goes up while a stream is open and down when it ends', async () => {
  const res = await new Promise<http.IncomingMessage>((resolve) => {
    http.get(`${proxy.url}/gw/mcp`, { headers: { accept: 'text/event-stream' } }, resolve);
  });
  expect(res.statusCode).toBe(200);
  expect(sampleValue((await scrape()).samples, 'mcp_proxy_open_streams', { server: 'gw' })).toBe(1);
  releaseStream();
  res.resume();
  await new Promise((resolve) => res.once('end', resolve));
  await eventually(() => proxy.logs.lines().some((l) => l.message === 'request' && l.method === 'GET'));
  const samples = (await scrape()).samples;
  expect(sampleValue(samples, 'mcp_proxy_open_streams', { server: 'gw' })).toBe(0);
  // A GET stream's life is no latency: first byte is observed, total is not.
  expect(sampleValue(samples, 'mcp_proxy_upstream_first_byte_seconds_count', { server: 'gw', rpc_method: 'none' })).toBe(1);
  expect(sampleValue(samples, 'mcp_proxy_request_duration_seconds_count', { server: 'gw', rpc_method: 'none' })).toBeUndefined();
});

test('/metrics is guarded like the MCP routes: a foreign Origin is refused', async () => {
  const res = await request(`${proxy.url}/metrics`, { headers: { origin: 'https://evil.example' } });
  expect(res.status).toBe(403);
  expect(res.body).not.toContain('mcp_proxy_');
});
