// A planted secret never appears in any output of the proxy, even at debug
// level and even when a request path, an agent header (its credentials, its
// X-Request-Id) or a tool argument carries it: logs, /metrics, the audit log.
import { cleanEnv, finished, spawnCli, waitForOutput } from '../helpers/cli.js';
import { initialize, request } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PLANTED = 'planted-Secret-5e6f7a8b9c0d';
let upstream: SdkUpstream;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-redact', secret: PLANTED, basePath: '/mcp' });
});
afterEach(async () => {
  await upstream.close();
});

test('the secret is absent from stdout and stderr at debug level', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-redact-'));
  // The audit log on, with arguments: an argument carrying the secret must be redacted there too.
  mkdirSync(join(dir, '.config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(dir, '.config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ audit: { enabled: true, arguments: true } }));
  const child = spawnCli(['start', '--log-level', 'debug', '--listen', '127.0.0.1:0'], {
    cwd: dir,
    env: cleanEnv({ HOME: dir, MCP_UPSTREAM_URL: upstream.url, MCP_API_KEY: 'key-redact', MCP_API_SECRET: PLANTED }),
  });
  const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const ok = await initialize(`${url}/mcp`, { authorization: `Bearer ${PLANTED}` });
  expect(ok.status).toBe(200);
  // A path carrying the secret is logged (as a 404) — redacted.
  expect((await request(`${url}/nothing/${PLANTED}`)).status).toBe(404);
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { 'x-request-id': PLANTED } } }));
  await client.callTool({ name: 'echo', arguments: { text: `the key is ${PLANTED}` } });
  await client.close();
  const metrics = await request(`${url}/metrics`);
  expect(metrics.body).toContain('mcp_proxy_requests_total');
  expect(metrics.body).not.toContain(PLANTED);
  child.kill('SIGTERM');
  const result = await finished(child);
  expect(result.code).toBe(0);
  expect(upstream.rejected()).toEqual([]);
  expect(result.stderr).toContain('"message":"request"');
  expect(result.stderr).toContain('[REDACTED]');
  expect(result.stdout + result.stderr).not.toContain(PLANTED);
  const audit = readFileSync(join(dir, '.local', 'state', 'mcp-auth-proxy', 'audit.jsonl'), 'utf8');
  expect(audit).toContain('"tool":"echo"');
  expect(audit).toContain('the key is [REDACTED]');
  expect(audit).not.toContain(PLANTED);
  // The agent's bearer token (here the same value) was stripped, not forwarded.
  expect(upstream.received.every((r) => r.headers.authorization === undefined)).toBe(true);
});
