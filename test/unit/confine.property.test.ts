// Path confinement (src/proxy/confine.ts): whatever the agent puts below the
// MCP route, a path the proxy forwards is the base path plus that remainder,
// exactly, and no upstream reading of it (decoded once or more, Unicode-
// normalised, backslashes as separators, dots resolved, a WHATWG parser)
// leaves the base; ordinary paths are never refused.
import fc from 'fast-check';
import { confinedTarget, pathProblem } from '../../src/proxy/confine.js';
import { hostileRemainder, isWithin, plainRemainder, upstreamReadings } from '../helpers/path-models.js';

const RUNS = 3000;
const BASES = ['https://gw.example/base/mcp', 'https://gw.example/base/mcp/', 'http://127.0.0.1:8080/a/b/c/mcp?tenant=1', 'http://127.0.0.1:8080'];

describe.each(BASES)('base %s', (href) => {
  const base = new URL(href);
  const root = base.pathname.replace(/\/$/, '');

  test('a forwarded path is the base path plus the remainder, and every upstream reading of it stays below the base', () => {
    fc.assert(
      fc.property(hostileRemainder, (remainder) => {
        const target = confinedTarget(base, remainder, '');
        if (typeof target === 'string') return;
        expect(target.pathname).toBe(root + remainder);
        for (const reading of upstreamReadings(target.pathname)) expect([remainder, reading, isWithin(reading, root)]).toEqual([remainder, reading, true]);
      }),
      { numRuns: RUNS },
    );
  });

  test('ordinary paths (letters, escapes of ordinary text, ; parameters, a trailing slash) are forwarded as sent', () => {
    fc.assert(
      fc.property(plainRemainder, fc.constantFrom('', '?x=1', '?a=%2e%2e/..'), (remainder, query) => {
        const target = confinedTarget(base, remainder, query);
        expect(target).toBeInstanceOf(URL);
        expect((target as URL).pathname).toBe(root + remainder);
        expect((target as URL).origin).toBe(base.origin);
      }),
      { numRuns: 500 },
    );
  });
});

test.each([
  ['/..\\..\\admin', 'backslash'],
  ['/..%2f..%2fadmin', 'encoded "/"'],
  ['/%2e%2e%2f%2e%2e%2fadmin', 'encoded "/"'],
  ['/%2E%2e/admin', '"." or ".." segment'],
  ['/.%2e/admin', '"." or ".." segment'],
  ['/../admin', '"." or ".." segment'],
  ['/./x', '"." or ".." segment'],
  ['/..;/admin', '"." or ".." segment'],
  ['/x\\\\127.0.0.1:9/x', 'backslash'],
  ['//127.0.0.1:9/x', 'empty segment'],
  ['/a//b', 'empty segment'],
  ['/%5c%5chost/x', 'encoded "/" or "\\"'],
  ['/%252e%252e/admin', 'decoded twice'],
  ['/%252f', 'decoded twice'],
  ['/%c0%ae%c0%ae/admin', 'not decode to UTF-8'],
  ['/%ef%bc%8e%ef%bc%8e/admin', 'Unicode-normalised'],
  ['/a%ef%bc%8fb', 'Unicode-normalised'],
  ['/%00', 'control character'],
  ['/bad%zz', 'malformed percent-escape'],
  ['/a%2', 'malformed percent-escape'],
  ['/a"b', 'unescaped'],
  ['/a b', 'unescaped'],
  ['/é', 'unescaped'],
])('%s is refused (%s)', (remainder, reason) => {
  const problem = pathProblem(remainder);
  expect(problem).toContain(reason);
  expect(confinedTarget(new URL('https://gw.example/base/mcp'), remainder, '')).toBe(problem);
});

test('the common request (no remainder, no query) is the base URL itself, not a copy', () => {
  const base = new URL('https://gw.example/base/mcp');
  expect(confinedTarget(base, '', '')).toBe(base);
});

test('the query joins the base URL’s own', () => {
  const target = confinedTarget(new URL('https://gw.example/mcp?tenant=1'), '/x', '?y=2') as URL;
  expect(target.href).toBe('https://gw.example/mcp/x?tenant=1&y=2');
});
