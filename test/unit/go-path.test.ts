import { goPathBytes } from '../../src/auth/go-path.js';

test.each([
  ['/plain/path', '/plain/path'],
  ['/a%20b', '/a b'],
  ['/a+b', '/a+b'],
  ['/slash%2Fencoded', '/slash/encoded'],
  ['/%41%62', '/Ab'],
  ['/caf%C3%A9', '/café'],
])('%s decodes as Go URL.Path does', (raw, decoded) => {
  expect(goPathBytes(raw)?.toString('utf8')).toBe(decoded);
});

test('non-UTF-8 escapes keep their raw bytes', () => {
  expect(goPathBytes('/%FF')).toEqual(Buffer.from([0x2f, 0xff]));
});

test.each(['/%', '/%4', '/%zz', '/a%2'])('%s is a malformed escape', (raw) => {
  expect(goPathBytes(raw)).toBeUndefined();
});
