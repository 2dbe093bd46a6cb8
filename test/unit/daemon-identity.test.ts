// Which state files and processes the CLI may trust: a pid that addresses a
// process group (0, negative) or init is never live, and only `node …
// mcp-auth-proxy … start` command lines are recognised as our daemon.
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOurCommandLine } from '../../src/daemon/identity.js';
import { isAlive, readLiveState } from '../../src/daemon/state.js';

test.each([0, -1, 1, 1.5, '123', null])('a state file naming pid %p is stale and removed (never signalled)', async (pid) => {
  const file = join(mkdtempSync(join(tmpdir(), 'map-state-')), 'daemon.json');
  writeFileSync(file, JSON.stringify({ pid, url: 'http://127.0.0.1:1', listen: '127.0.0.1:1', version: '0', startedAt: new Date().toISOString() }));
  expect(await readLiveState(file)).toBeUndefined();
  expect(existsSync(file)).toBe(false);
  if (typeof pid === 'number') expect(isAlive(pid)).toBe(false);
});

test('our own process counts as live', () => {
  expect(isAlive(process.pid)).toBe(true);
});

test.each([
  [['node', '/usr/lib/node_modules/mcp-auth-proxy/bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0'], true],
  [['/usr/bin/node', '--optimize-for-size', '/x/bin/mcp-auth-proxy.js', 'start'], true],
  [['node', '/home/me/project/node_modules/.bin/mcp-auth-proxy', '--log-level', 'debug', 'start'], true],
  [['sleep', '1000'], false],
  [['node', '/x/bin/mcp-auth-proxy.js', 'stdio', 'gw'], false],
  [['node', 'start', '/x/bin/mcp-auth-proxy.js'], false],
  [['python3', 'mcp-auth-proxy.js', 'start'], false],
  [['node', '/x/other-tool.js', 'start'], false],
  [[], false],
])('command line %j is ours: %p', (argv, ours) => {
  expect(isOurCommandLine(argv)).toBe(ours);
});
