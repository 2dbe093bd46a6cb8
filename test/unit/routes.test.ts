import { matchRoute } from '../../src/proxy/routes.js';

const table = { servers: new Set(['gw', 'glean']), defaultServer: 'gw' };

test.each([
  ['/mcp', { kind: 'mcp', server: 'gw', suffix: '', query: '' }],
  ['/mcp?x=1', { kind: 'mcp', server: 'gw', suffix: '', query: '?x=1' }],
  ['/glean/mcp', { kind: 'mcp', server: 'glean', suffix: '', query: '' }],
  ['/glean/mcp/messages?s=1', { kind: 'mcp', server: 'glean', suffix: '/messages', query: '?s=1' }],
  ['/healthz', { kind: 'healthz' }],
  ['/readyz', { kind: 'readyz' }],
  ['/.well-known/oauth-protected-resource/mcp', { kind: 'discovery' }],
  ['/other/mcp', { kind: 'unknown-server', server: 'other', servers: ['gw', 'glean'] }],
  ['/', { kind: 'not-found' }],
  ['/glean', { kind: 'not-found' }],
  ['/mcpx', { kind: 'not-found' }],
  ['/sse', { kind: 'legacy-sse', server: 'gw', prefix: '' }],
  ['/glean/sse', { kind: 'legacy-sse', server: 'glean', prefix: '/glean' }],
  ['/glean/messages?session=ab', { kind: 'legacy-message', server: 'glean', query: '?session=ab' }],
  ['/messages?session=ab', { kind: 'legacy-message', server: 'gw', query: '?session=ab' }],
  ['/other/sse', { kind: 'unknown-server', server: 'other', servers: ['gw', 'glean'] }],
  ['/glean/sse/x', { kind: 'not-found' }],
  ['/mcp/sse', { kind: 'mcp', server: 'gw', suffix: '/sse', query: '' }],
])('%s', (url, route) => expect(matchRoute(url, table)).toEqual(route));

test('/mcp without a default server lists the names', () => {
  expect(matchRoute('/mcp', { servers: new Set(['a', 'b']), defaultServer: undefined })).toEqual({ kind: 'no-default', servers: ['a', 'b'] });
});
