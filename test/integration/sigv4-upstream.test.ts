// SDK Client → proxy (auth sigv4) → SDK McpServer behind a SigV4 verifier
// written with node:crypto from the spec: every request must arrive correctly
// signed, body hash included; credentials that near their expiry are read
// again first, and an upstream 403 ExpiredToken makes the proxy re-read them
// once and re-send. The credential provider is the test's own (the provider
// interface of @aws-sdk/credential-providers), never the machine's AWS chain.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AwsCredentialProvider, AwsCredentials } from '../../src/auth/aws-credentials.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { request } from '../helpers/net.js';
import { sigv4Verifier, type AwsKey } from '../helpers/sigv4-verifier.js';
import { startVerifiedUpstream, type VerifiedUpstream } from '../helpers/verified-upstream.js';

const SCOPE = { service: 'execute-api', region: 'eu-west-1' };
const KEY_A = { accessKeyId: 'AKIATESTKEYAAAAAAAAA', secretAccessKey: 'secret-a-0123456789abcdefghijklmnopqrstuv' };
const KEY_B = { accessKeyId: 'AKIATESTKEYBBBBBBBBB', secretAccessKey: 'secret-b-0123456789abcdefghijklmnopqrstuv', sessionToken: 'session-token-b-42' };

let upstream: VerifiedUpstream;
let proxy: TestProxy | undefined;
let keys: Map<string, AwsKey>;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2026-03-01T10:00:00Z');
  keys = new Map([
    [KEY_A.accessKeyId, { secretAccessKey: KEY_A.secretAccessKey }],
    [KEY_B.accessKeyId, { secretAccessKey: KEY_B.secretAccessKey, sessionToken: KEY_B.sessionToken }],
  ]);
  upstream = await startVerifiedUpstream(sigv4Verifier({ ...SCOPE, keys, now: () => clock }));
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

/** A provider that hands out the given credential sets in turn (the last one again once they run out), recording each call. */
function providerOf(...sets: AwsCredentials[]): { provider: AwsCredentialProvider; calls: Array<{ forceRefresh?: boolean }> } {
  const calls: Array<{ forceRefresh?: boolean }> = [];
  return {
    calls,
    provider: async (options = {}) => {
      calls.push(options);
      return sets[Math.min(calls.length - 1, sets.length - 1)] as AwsCredentials;
    },
  };
}

async function startWith(provider: AwsCredentialProvider): Promise<TestProxy> {
  proxy = await startTestProxy({ servers: { aws: { url: upstream.url, auth: { type: 'sigv4', ...SCOPE } } } }, {}, { awsCredentials: () => provider, now: () => clock });
  return proxy;
}

const keyOf = (r: { headers: Record<string, unknown> }) => /Credential=([^/]+)\//.exec(String(r.headers.authorization))?.[1];

async function callEcho(url: string, text: string) {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/aws/mcp`)));
  const { tools } = await client.listTools();
  const result = await client.callTool({ name: 'echo', arguments: { text } });
  await client.close();
  return { tools, result };
}

test('stored keys: tools are listed and called through the proxy, every request verified, SSE answers included', async () => {
  proxy = await startTestProxy(
    { servers: { aws: { url: upstream.url, auth: { type: 'sigv4', ...SCOPE, accessKeyId: 'env:AK', secretAccessKey: 'env:SK' } } } },
    { AK: KEY_A.accessKeyId, SK: KEY_A.secretAccessKey },
    { now: () => clock },
  );
  const { tools, result } = await callEcho(proxy.url, 'héllo');
  expect(tools.map((t) => t.name)).toEqual(['echo']);
  expect(result.content).toEqual([{ type: 'text', text: 'echo: héllo' }]);
  expect(upstream.rejected()).toEqual([]);
  expect(upstream.received.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(3);
  expect(upstream.received.some((r) => r.answeredAs?.startsWith('text/event-stream'))).toBe(true);
  for (const r of upstream.received) {
    expect(keyOf(r)).toBe(KEY_A.accessKeyId);
    expect(r.headers['x-amz-date']).toBe('20260301T100000Z');
  }
});

test('a body changed after signing is refused by the verifier (the body hash is signed)', async () => {
  const verify = sigv4Verifier({ ...SCOPE, keys, now: () => clock });
  proxy = await startTestProxy(
    { servers: { aws: { url: upstream.url, auth: { type: 'sigv4', ...SCOPE, accessKeyId: 'env:AK', secretAccessKey: 'env:SK' } } } },
    { AK: KEY_A.accessKeyId, SK: KEY_A.secretAccessKey },
    { now: () => clock },
  );
  await request(`${proxy.url}/aws/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
  const sent = upstream.received[0];
  expect(sent && verify({ method: sent.method, url: sent.url, headers: sent.headers } as never, sent.body)).toEqual({ ok: true });
  expect(sent && verify({ method: sent.method, url: sent.url, headers: sent.headers } as never, Buffer.from('{"jsonrpc":"2.0","id":2,"method":"ping"}')).ok).toBe(false);
});

test('credentials that expire within five minutes are read again before the next request is signed', async () => {
  const { provider, calls } = providerOf({ ...KEY_A, expiration: new Date(clock + 10 * 60_000) }, { ...KEY_B, expiration: new Date(clock + 60 * 60_000) });
  await startWith(provider);
  await callEcho(proxy!.url, 'one');
  expect(new Set(upstream.received.map(keyOf))).toEqual(new Set([KEY_A.accessKeyId]));
  const before = upstream.received.length;
  clock += 6 * 60_000;
  await callEcho(proxy!.url, 'two');
  const later = upstream.received.slice(before);
  expect(later.map(keyOf)).toEqual(later.map(() => KEY_B.accessKeyId));
  expect(later.every((r) => r.headers['x-amz-security-token'] === KEY_B.sessionToken)).toBe(true);
  expect(upstream.rejected()).toEqual([]);
  expect(calls).toHaveLength(2);
});

test('403 ExpiredToken: the credentials are read again (past every cache) and the request is re-sent once', async () => {
  const { provider, calls } = providerOf(KEY_A, KEY_B);
  await startWith(provider);
  keys.set(KEY_A.accessKeyId, { secretAccessKey: KEY_A.secretAccessKey, expired: true });
  const { result } = await callEcho(proxy!.url, 'rotated');
  expect(result.content).toEqual([{ type: 'text', text: 'echo: rotated' }]);
  const [first, second] = upstream.received;
  expect(first && keyOf(first)).toBe(KEY_A.accessKeyId);
  expect(first?.verdict).toMatchObject({ ok: false, status: 403 });
  expect(second && keyOf(second)).toBe(KEY_B.accessKeyId);
  expect(second?.verdict).toEqual({ ok: true });
  // The re-sent request carries the same body, signed anew.
  expect(second?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true);
  expect(calls).toEqual([{}, { forceRefresh: true }]);
  expect(upstream.received.slice(2).every((r) => keyOf(r) === KEY_B.accessKeyId && r.verdict.ok)).toBe(true);
});

test('403 ExpiredToken when the re-read gives the same lapsed credentials: the 403 reaches the agent after one retry', async () => {
  const { provider, calls } = providerOf(KEY_A);
  await startWith(provider);
  keys.set(KEY_A.accessKeyId, { secretAccessKey: KEY_A.secretAccessKey, expired: true });
  const answer = await request(`${proxy!.url}/aws/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  expect(answer.status).toBe(403);
  expect(answer.body).toContain('security token included in the request is expired');
  expect(upstream.received).toHaveLength(2);
  expect(calls).toEqual([{}, { forceRefresh: true }]);
});

test('a 403 that is not about an expired token is relayed at once, without re-reading credentials', async () => {
  const { provider, calls } = providerOf(KEY_A);
  await startWith(provider);
  keys.set(KEY_A.accessKeyId, { secretAccessKey: 'not-the-secret-the-proxy-has' });
  const answer = await request(`${proxy!.url}/aws/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
  expect(answer.status).toBe(403);
  expect(answer.body).toContain('signature we calculated does not match');
  expect(upstream.received).toHaveLength(1);
  expect(calls).toEqual([{}]);
});

test('expired SSO credentials: the agent gets a JSON-RPC error naming the aws sso login to run', async () => {
  const provider: AwsCredentialProvider = async () => {
    throw Object.assign(new Error("Value not present for 'clientId' in SSO Token. Cannot refresh. To refresh this SSO session run 'aws sso login' with the corresponding profile."), { name: 'CredentialsProviderError' });
  };
  proxy = await startTestProxy({ servers: { aws: { url: upstream.url, auth: { type: 'sigv4', ...SCOPE, profile: 'work' } } } }, {}, { awsCredentials: () => provider, now: () => clock });
  const answer = await request(`${proxy.url}/aws/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":7,"method":"ping"}' });
  expect(answer.status).toBe(503);
  const body = JSON.parse(answer.body) as { id: number; error: { data: { code: string; hint: string } } };
  expect(body.id).toBe(7);
  expect(body.error.data.code).toBe('AWS_SSO_EXPIRED');
  expect(body.error.data.hint).toContain('aws sso login --profile work');
  expect(upstream.received).toHaveLength(0);
});
