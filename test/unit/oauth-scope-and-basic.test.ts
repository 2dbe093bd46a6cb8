// Small OAuth pieces the conformance suite showed wrong or missing: the scope
// a step-up asks for, reading an insufficient_scope challenge, and HTTP Basic
// client authentication encoded as RFC 6749 §2.3.1 says.
import { formEncodedBasic } from '../../src/oauth/client.js';
import { insufficientScope, unionScope } from '../../src/oauth/scope.js';

test('unionScope keeps every scope once, in first-seen order, and says nothing for none', () => {
  expect(unionScope('mcp:basic', 'mcp:basic mcp:write', undefined, ' mcp:write  files:read ')).toBe('mcp:basic mcp:write files:read');
  expect(unionScope(undefined, '', '  ')).toBeUndefined();
});

test('insufficientScope reads the scope of a Bearer insufficient_scope challenge, quoted or not, in any order', () => {
  expect(insufficientScope('Bearer error="insufficient_scope", scope="mcp:basic mcp:write", resource_metadata="https://x/.well-known/oauth-protected-resource"')).toBe('mcp:basic mcp:write');
  expect(insufficientScope('Bearer scope="a b", error="insufficient_scope"')).toBe('a b');
  expect(insufficientScope('bearer error=insufficient_scope, scope=admin')).toBe('admin');
  expect(insufficientScope('Bearer error="insufficient_scope", error_description="he said \\"no\\"", scope="x"')).toBe('x');
});

test('insufficientScope ignores other 403s: another error, no scope, another scheme, nothing', () => {
  expect(insufficientScope('Bearer error="invalid_token", scope="x"')).toBeUndefined();
  expect(insufficientScope('Bearer error="insufficient_scope"')).toBeUndefined();
  expect(insufficientScope('Basic realm="x", error="insufficient_scope", scope="x"')).toBeUndefined();
  expect(insufficientScope(undefined)).toBeUndefined();
});

test('client_secret_basic leaves - _ . * as they are, encodes the rest, and puts a space as +', async () => {
  const headers = new Headers();
  await formEncodedBasic('s3cr.t:with/odd chars')({ issuer: 'https://as.example' }, { client_id: 'pre-registered_client.v2*' }, new URLSearchParams(), headers);
  const decoded = Buffer.from((headers.get('authorization') as string).replace(/^Basic /, ''), 'base64').toString('utf8');
  expect(decoded).toBe('pre-registered_client.v2*:s3cr.t%3Awith%2Fodd+chars');
});
