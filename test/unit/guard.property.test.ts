// Property tests for the DNS-rebinding / cross-site guard: whatever headers
// arrive, check() never throws and answers with nothing or a 403; a Host or
// Origin that does not name this proxy is always refused; this proxy's own
// Host (any letter case), with no Origin or its own, is always let through.
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { isLoopbackHost } from '../../src/config/listen-address.js';
import { createGuard, type GuardRejection } from '../../src/proxy/guard.js';

const RUNS = 200;

const port = fc.oneof(fc.constantFrom(80, 8787, 443, 1, 65_535), fc.integer({ min: 1, max: 65_535 }));

/** What node:http hands the guard: headers by name, and the raw list (one entry per header line, as sent). */
function request(headers: Record<string, string | string[]>, method = 'POST', url = '/mcp', rawHeaders?: string[]): IncomingMessage {
  const raw = rawHeaders ?? Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((v) => [name, v]) : [name, value]));
  return { headers, rawHeaders: raw, method, url } as unknown as IncomingMessage;
}

/** `value` with each letter randomly upper- or lower-case. */
const mixCase = (value: string) =>
  fc
    .array(fc.boolean(), { minLength: value.length, maxLength: value.length })
    .map((upper) => [...value].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/** Host-header candidates around this proxy's names: aliases, IPv6 spellings, trailing dots, ports. */
function hostCandidates(p: number): fc.Arbitrary<string> {
  const name = fc.oneof(
    fc.constantFrom(
      '127.0.0.1',
      'localhost',
      '[::1]',
      '::1',
      '[0:0:0:0:0:0:0:1]',
      '[::ffff:127.0.0.1]',
      '127.0.0.2',
      '127.1',
      '2130706433',
      '0.0.0.0',
      '[::]',
      'localhost.',
      '127.0.0.1.',
      'localhost.localdomain',
      'evil.example',
      'localhost.evil.example',
      '',
    ),
    fc.domain(),
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV6().map((ip) => `[${ip}]`),
  );
  const suffix = fc.oneof(
    fc.constantFrom('', `:${p}`, `:${p}`, `:${p + 1}`, `:0${p}`, ':', `:${p} `, ` :${p}`, `:${p}.`, `:${p}/`, ':80', ':8787'),
    fc.integer({ min: 0, max: 70_000 }).map((n) => `:${n}`),
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(name, suffix).chain(([n, s]) => mixCase(n + s)) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  );
}

function originCandidates(p: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'ws://', '//', 'http:/', ''), hostCandidates(p), fc.constantFrom('', '/', '/mcp', '?x', '#')).map(
      ([scheme, host, tail]) => `${scheme}${host}${tail}`,
    ),
    fc.webUrl(),
    fc.domain().map((d) => `https://${d}`),
    fc.constantFrom('null', '', 'file://', 'http://127.0.0.1', 'http://localhost', `http://[::1]`),
    fc.string(),
  );
}

/** Other request headers, the ones the guard checks now or may check later included. */
const otherHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom('content-type', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'referer', 'x-forwarded-host', 'forwarded', 'authorization', 'mcp-session-id'),
    fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.toLowerCase()),
  ),
  fc.oneof(
    fc.constantFrom('application/json', 'text/plain', 'same-origin', 'cross-site', 'same-site', 'none', 'cors', 'no-cors', ''),
    fc.string(),
  ),
  { maxKeys: 5 },
);

/** Rejections other than duplicate-Host (400) are 403s. */
function expectShape(result: GuardRejection | undefined): void {
  if (result === undefined) return;
  expect(result).toEqual({ status: 403, code: expect.any(String), message: expect.any(String) });
  expect(result.code.length).toBeGreaterThan(0);
  expect(result.message.length).toBeGreaterThan(0);
}

describe('createGuard("127.0.0.1", port)', () => {
  test('(a) arbitrary headers: check() never throws and returns undefined or a 403 rejection', () => {
    const input = port.chain((p) =>
      fc.record({
        port: fc.constant(p),
        others: otherHeaders,
        host: fc.option(hostCandidates(p), { nil: undefined }),
        origin: fc.option(originCandidates(p), { nil: undefined }),
        method: fc.constantFrom('POST', 'GET'),
      }),
    );
    fc.assert(
      fc.property(input, ({ port: p, others, host, origin, method }) => {
        const guard = createGuard('127.0.0.1', p);
        const headers: Record<string, string | string[]> = { ...others };
        if (host !== undefined) headers.host = host;
        if (origin !== undefined) headers.origin = origin;
        expectShape(guard.check(request(headers, method)));
      }),
      { numRuns: RUNS },
    );
  });

  test('(a) missing or empty Host, and set-cookie style array headers, never make check() throw', () => {
    fc.assert(
      fc.property(port, fc.option(originCandidates(8787), { nil: undefined }), fc.array(fc.string(), { maxLength: 3 }), (p, origin, cookies) => {
        const guard = createGuard('127.0.0.1', p);
        const variants: Array<Record<string, string | string[]>> = [{}, { host: '' }, { 'set-cookie': cookies }, { host: `127.0.0.1:${p}`, 'set-cookie': cookies }];
        for (const headers of variants) {
          const all: Record<string, string | string[]> = origin === undefined ? headers : { ...headers, origin };
          expectShape(guard.check(request(all)));
        }
        expect(guard.check(request({}))).toBeDefined();
        expect(guard.check(request({ host: '' }))).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });

  test('(b) soundness: a Host that is not in guard.hosts (case-insensitively) is refused', () => {
    const input = port.chain((p) => fc.record({ port: fc.constant(p), host: hostCandidates(p), others: otherHeaders, origin: fc.option(originCandidates(p), { nil: undefined }) }));
    fc.assert(
      fc.property(input, ({ port: p, host, others, origin }) => {
        const guard = createGuard('127.0.0.1', p);
        fc.pre(!guard.hosts.has(host.toLowerCase()));
        const headers: Record<string, string> = { ...others, host };
        if (origin !== undefined) headers.origin = origin;
        else delete headers.origin;
        const result = guard.check(request(headers));
        expect(result).toBeDefined();
        expectShape(result);
      }),
      { numRuns: RUNS },
    );
  });

  test('(b) soundness: an Origin other than http:// + an allowed host is refused, even with a good Host', () => {
    const input = port.chain((p) => {
      const hosts = [...createGuard('127.0.0.1', p).hosts];
      return fc.record({
        port: fc.constant(p),
        host: fc.constantFrom(...hosts).chain(mixCase),
        origin: fc.oneof(originCandidates(p), fc.constantFrom(...hosts).chain((h) => fc.constantFrom(`https://${h}`, `http://${h}/`, `http://${h}.`, `${h}`, ` http://${h}`))),
        others: otherHeaders,
      });
    });
    fc.assert(
      fc.property(input, ({ port: p, host, origin, others }) => {
        const guard = createGuard('127.0.0.1', p);
        const allowedOrigins = new Set([...guard.hosts].map((h) => `http://${h}`));
        fc.pre(!allowedOrigins.has(origin.toLowerCase()));
        const result = guard.check(request({ ...others, host, origin }));
        expect(result).toBeDefined();
        expectShape(result);
      }),
      { numRuns: RUNS },
    );
  });

  test('(c) completeness: every allowed Host, in any letter case, with no Origin or its own, is accepted', () => {
    const input = port.chain((p) => {
      const hosts = [...createGuard('127.0.0.1', p).hosts];
      return fc.constantFrom(...hosts).chain((h) =>
        fc.record({
          port: fc.constant(p),
          host: mixCase(h),
          // Its own origin, as a browser on this page would send it (or none: curl, SDK clients).
          origin: fc.option(mixCase(`http://${h}`), { nil: undefined }),
          sameOrigin: fc.boolean(),
          // GET, or POST with the JSON body MCP clients send: stays valid once Content-Type is checked.
          method: fc.constantFrom('GET', 'POST'),
        }),
      );
    });
    fc.assert(
      fc.property(input, ({ port: p, host, origin, sameOrigin, method }) => {
        const guard = createGuard('127.0.0.1', p);
        const headers: Record<string, string> = { host, accept: 'application/json, text/event-stream' };
        if (method === 'POST') headers['content-type'] = 'application/json';
        if (origin !== undefined) {
          headers.origin = origin;
          if (sameOrigin) headers['sec-fetch-site'] = 'same-origin';
        }
        expect(guard.check(request(headers, method))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  test('(b)/(c) guard.hosts holds 127.0.0.1 and localhost with this port, and only loopback names', () => {
    fc.assert(
      fc.property(port, (p) => {
        const hosts = createGuard('127.0.0.1', p).hosts;
        expect(hosts.has(`127.0.0.1:${p}`)).toBe(true);
        expect(hosts.has(`localhost:${p}`)).toBe(true);
        for (const host of hosts) {
          const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(host);
          expect(match).not.toBeNull();
          const name = (match?.[1] ?? match?.[2]) as string;
          expect(isLoopbackHost(name)).toBe(true);
          // A bare name only where the browser leaves the port out: port 80.
          expect(match?.[3] === undefined ? p === 80 : Number(match[3]) === p).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('two Host headers', () => {
  test('a request with more than one Host line, in any letter case and with any values (its own included), is refused with 400', () => {
    const input = port.chain((p) => {
      const own = [...createGuard('127.0.0.1', p).hosts];
      const value = fc.oneof(fc.constantFrom(...own), hostCandidates(p));
      return fc.record({
        port: fc.constant(p),
        hosts: fc.array(fc.tuple(mixCase('host'), value), { minLength: 2, maxLength: 4 }),
        others: otherHeaders,
        socket: fc.boolean(),
      });
    });
    fc.assert(
      fc.property(input, ({ port: p, hosts, others, socket }) => {
        const guard = createGuard('127.0.0.1', p, socket ? { socket: true } : {});
        // node:http keeps the first Host in headers; the raw list has them all.
        const first = (hosts[0] as [string, string])[1];
        const raw = [...Object.entries(others).flat(), ...hosts.flat()];
        const result = guard.check(request({ ...others, host: first, 'content-type': 'application/json' }, 'POST', '/mcp', raw));
        expect(result).toEqual({ status: 400, code: 'DUPLICATE_HOST', message: expect.any(String) });
      }),
      { numRuns: RUNS },
    );
  });
});
