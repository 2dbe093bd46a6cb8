// SDK Client → proxy (auth httpsig) → SDK McpServer behind an RFC 9421
// verifier from http-message-signatures: every request is signed over
// @method, @target-uri, content-digest and, once the session exists,
// mcp-session-id and the act-as header; SSE answers included.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { httpSigVerifier } from '../helpers/httpsig-verifier.js';
import { startVerifiedUpstream, type VerifiedUpstream } from '../helpers/verified-upstream.js';

let upstream: VerifiedUpstream;
let proxy: TestProxy;
afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
});

function keysFor(alg: string): { pem: string; verifyKey: import('node:crypto').KeyObject | Buffer } {
  if (alg === 'hmac-sha256') {
    const secret = randomBytes(32);
    return { pem: secret.toString('base64'), verifyKey: secret };
  }
  const pair =
    alg === 'ed25519' ? generateKeyPairSync('ed25519') : alg === 'ecdsa-p256-sha256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
  return { pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, verifyKey: pair.publicKey };
}

test.each([['ed25519'], ['ecdsa-p256-sha256'], ['rsa-pss-sha512'], ['hmac-sha256']])('%s: tools listed and called, every request verified, session and act-as covered, SSE answered', async (alg) => {
  const { pem, verifyKey } = keysFor(alg);
  upstream = await startVerifiedUpstream(
    httpSigVerifier({ keyId: 'laptop-1', alg, key: verifyKey, required: ['@method', '@target-uri', 'x-glean-actas'], requiredParams: ['created', 'expires', 'keyid', 'nonce', 'tag'], tag: 'mcp' }),
  );
  proxy = await startTestProxy(
    { servers: { partner: { url: upstream.url, auth: { type: 'httpsig', keyId: 'laptop-1', alg, key: 'env:KEY', expires: '5m', nonce: true, tag: 'mcp', actAs: { user: 'me@acme.com' } } } } },
    { KEY: pem },
  );
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/partner/mcp`)));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(['echo']);
  const result = await client.callTool({ name: 'echo', arguments: { text: 'signed' } });
  expect(result.content).toEqual([{ type: 'text', text: 'echo: signed' }]);
  await client.close();

  expect(upstream.rejected().map((r) => r.verdict)).toEqual([]);
  const withSession = upstream.received.filter((r) => r.headers['mcp-session-id'] !== undefined);
  expect(withSession.length).toBeGreaterThanOrEqual(2);
  for (const r of withSession) expect(String(r.headers['signature-input'])).toContain('"mcp-session-id"');
  expect(upstream.received.some((r) => r.method === 'POST' && r.answeredAs?.startsWith('text/event-stream'))).toBe(true);
  for (const r of upstream.received) expect(r.headers['x-glean-actas']).toBe('me@acme.com');
});

test('an agent cannot sign for the proxy: its Signature, Signature-Input, Content-Digest and act-as headers are replaced', async () => {
  const { pem, verifyKey } = keysFor('ed25519');
  upstream = await startVerifiedUpstream(httpSigVerifier({ keyId: 'k', alg: 'ed25519', key: verifyKey, required: ['@method', '@target-uri'], requiredParams: ['created', 'keyid'] }));
  proxy = await startTestProxy({ servers: { partner: { url: upstream.url, auth: { type: 'httpsig', keyId: 'k', alg: 'ed25519', key: 'env:KEY', actAs: { user: 'me@acme.com' } } } } }, { KEY: pem });
  const res = await fetch(`${proxy.url}/partner/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', signature: 'sig1=:AAAA:', 'signature-input': 'sig1=();keyid="evil"', 'content-digest': 'sha-256=:AAAA:', 'x-glean-actas': 'ceo@acme.com' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  expect(res.status).toBe(200);
  const [first] = upstream.received;
  expect(first?.verdict).toEqual({ ok: true });
  expect(first?.headers['x-glean-actas']).toBe('me@acme.com');
  expect(String(first?.headers['signature-input'])).toContain('keyid="k"');
});
