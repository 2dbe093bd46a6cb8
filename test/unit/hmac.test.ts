import { createHmacSigner, gatewayTimestamp, hmacSignature } from '../../src/auth/hmac.js';
import { LOCAL_USER } from '../../src/auth/scheme.js';
import { confinedTarget } from '../../src/proxy/confine.js';

const sign = (method: string, url: string, now = 1_700_000_000_000) =>
  createHmacSigner({ keyId: 'key123', secret: 'secret456', now: () => now }).sign({ method, url: new URL(url), headers: {}, identity: LOCAL_USER });

test('the known vector from the gateway spec', () => {
  expect(sign('POST', 'https://example.com/v1/test?foo=bar')).toEqual({
    'x-api-key-id': 'key123',
    'x-timestamp': '2023-11-14T22:13:20Z',
    'x-signature': 'd1bfbc31386e7c029a0c30216ff01f5ed337b6de4bb97ac539c7a7feec125d05',
  });
});

test('the query string is not signed; the method is', () => {
  const a = sign('POST', 'https://example.com/v1/test?foo=bar');
  expect(sign('POST', 'https://example.com/v1/test')['x-signature']).toBe(a['x-signature']);
  expect(sign('GET', 'https://example.com/v1/test?foo=bar')['x-signature']).not.toBe(a['x-signature']);
});

test('timestamps are RFC 3339 UTC in whole seconds, from the injected clock', () => {
  expect(gatewayTimestamp(1_700_000_000_999)).toBe('2023-11-14T22:13:20Z');
  expect(sign('POST', 'https://example.com/v1/test', 1_700_000_061_500)['x-timestamp']).toBe('2023-11-14T22:14:21Z');
});

test('the signed path is Go URL.Path of what the upstream receives: base path plus suffix, decoded', () => {
  const url = confinedTarget(new URL('https://gw.example/api/v2/mcp'), '/a%20b/c%3Bd', '?x=1') as URL;
  expect(url.pathname).toBe('/api/v2/mcp/a%20b/c%3Bd');
  const expected = hmacSignature('secret456', 'POST', Buffer.from('/api/v2/mcp/a b/c;d'), '2023-11-14T22:13:20Z');
  expect(sign('POST', url.href)['x-signature']).toBe(expected);
});

test('a malformed escape cannot be signed', () => {
  expect(() => sign('GET', 'https://example.com/bad%zz')).toThrow(/malformed percent-escape/);
});

test('one signer reused across requests signs each as a fresh signer would: per method, per path, per second', () => {
  let now = 1_700_000_000_000;
  const signer = createHmacSigner({ keyId: 'key123', secret: 'secret456', now: () => now });
  const reused = (method: string, url: string) => signer.sign({ method, url: new URL(url), headers: {}, identity: LOCAL_USER });
  const cases: Array<[string, string]> = [
    ['POST', 'https://example.com/v1/test'],
    ['POST', 'https://example.com/v1/test'],
    ['GET', 'https://example.com/v1/test'],
    ['POST', 'https://example.com/v1/other'],
    ['POST', 'https://example.com/v1/a%2Fb'],
    ['POST', 'https://example.com/v1/a/b'],
  ];
  for (const at of [now, now + 400, now + 1000, now + 61_000]) {
    now = at;
    for (const [method, url] of cases) expect(reused(method, url)).toEqual(sign(method, url, at));
  }
  // A path that cannot be signed fails every time, not only the first.
  expect(() => reused('GET', 'https://example.com/bad%zz')).toThrow(/malformed percent-escape/);
  expect(() => reused('GET', 'https://example.com/bad%zz')).toThrow(/malformed percent-escape/);
});

test('past the per-second cache size every request is still signed right', () => {
  const now = 1_700_000_000_000;
  const signer = createHmacSigner({ keyId: 'key123', secret: 'secret456', now: () => now });
  for (let i = 0; i < 200; i++) {
    const url = `https://example.com/v1/item/${i}`;
    expect(signer.sign({ method: 'POST', url: new URL(url), headers: {}, identity: LOCAL_USER })).toEqual(sign('POST', url, now));
  }
});
