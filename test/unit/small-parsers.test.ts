import { parseDuration } from '../../src/config/duration.js';
import { isLoopbackHost, parseListenAddress } from '../../src/config/listen-address.js';
import { parseSecretReference } from '../../src/secrets/reference.js';

test.each([
  ['20s', 20_000],
  ['500ms', 500],
  ['1m30s', 90_000],
  ['1.5s', 1500],
  ['2h', 7_200_000],
  ['250', 250],
  [1000, 1000],
])('duration %p is %p ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

test.each(['soon', '', '10 s', '-5s', '5d', 's'])('duration %p is rejected', (input) => expect(parseDuration(input)).toBeUndefined());

test.each([
  ['127.0.0.1:8787', { host: '127.0.0.1', port: 8787 }],
  ['localhost:0', { host: 'localhost', port: 0 }],
  ['[::1]:9000', { host: '::1', port: 9000 }],
  [':8787', { host: '127.0.0.1', port: 8787 }],
])('listen %s', (input, expected) => expect(parseListenAddress(input)).toEqual(expected));

test.each(['8787', 'host', 'a:b', '127.0.0.1:70000', '::1:80'])('listen %s is rejected', (input) => expect(parseListenAddress(input)).toBeUndefined());

test('loopback hosts', () => {
  expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopbackHost)).toBe(true);
  expect(['0.0.0.0', '192.168.1.2', '::', 'example.com'].some(isLoopbackHost)).toBe(false);
});

test('secret references', () => {
  expect(parseSecretReference('keychain:gateway')).toEqual({ kind: 'keychain', account: 'gateway' });
  expect(parseSecretReference('env:MCP_API_SECRET')).toEqual({ kind: 'env', name: 'MCP_API_SECRET' });
  expect(parseSecretReference('file:/run/secrets/x')).toEqual({ kind: 'file', path: '/run/secrets/x' });
  expect(parseSecretReference('env:not a var')).toBeUndefined();
  expect(parseSecretReference('hunter2')).toBeUndefined();
  expect(parseSecretReference('keychain:')).toBeUndefined();
});
