// OAuth across a reload and on the legacy HTTP+SSE transport: a reload keeps
// the server's token manager (so a refresh token rotated in memory, which the
// store could not save, is not lost for a stale one), and a legacy SSE
// upstream's 401 gets the same single refresh and retry as Streamable HTTP.
import { INITIALIZE, mcpHeaders, startOAuthBed, type OAuthBed } from '../helpers/oauth-proxy.js';
import type { SecretStore } from '../../src/secrets/store.js';

let bed: OAuthBed;
afterEach(async () => {
  await bed.close();
});

const post = (url: string) => fetch(`${url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });

test('a reload keeps the token manager: a refresh whose save failed still works after it', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  let saving = true;
  // The file store, except that writes fail while `saving` is off (a locked keychain, a full disk).
  const flaky: SecretStore = {
    label: bed.file.label,
    get: (account) => bed.file.get(account),
    set: (account, value) => (saving ? bed.file.set(account, value) : Promise.reject(new Error('disk full'))),
    delete: (account) => bed.file.delete(account),
  };
  const proxy = await bed.startProxy({ store: flaky });
  saving = false;
  bed.as.revokeAccessTokens();
  // A 401, one refresh (the refresh token rotates; the new one cannot be saved and lives in memory only).
  expect((await post(proxy.url)).status).toBe(200);
  expect(bed.as.counts.refreshGrants).toBe(1);
  expect(proxy.logs.text).toContain('could not save the refreshed tokens');

  await proxy.reload();
  bed.as.revokeAccessTokens();
  // Refreshing again needs the rotated refresh token: only the kept manager has it (the store holds a spent one).
  const response = await post(proxy.url);
  expect(response.status).toBe(200);
  expect(bed.as.counts.refreshGrants).toBe(2);
});

test('a legacy SSE upstream that answers the stream with 401 gets one refresh, and the stream opens', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy({ url: bed.as.legacySseUrl, transport: 'sse' });
  bed.as.revokeAccessTokens();
  const controller = new AbortController();
  const stream = await fetch(`${proxy.url}/linear/sse`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  const reader = stream.body!.getReader();
  let text = '';
  while (!text.includes('event: endpoint')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before the endpoint event: ${text}`);
    text += new TextDecoder().decode(value);
  }
  // The endpoint names the proxy's own message route, and one refresh made it possible.
  expect(text).toMatch(/data: \/linear\/messages\?session=[0-9a-f]+/);
  expect(bed.as.counts.refreshGrants).toBe(1);
  expect(bed.as.counts.rejectedTokens).toBe(1);
  const endpoint = /data: (\S+)/.exec(text.slice(text.indexOf('event: endpoint')))?.[1] as string;
  const call = await fetch(`${proxy.url}${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  expect(call.status).toBe(202);
  controller.abort();
});
