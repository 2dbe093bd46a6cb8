// A state file left by a daemon that died (its pid is gone) is stale: status
// says not running and removes it, and start is not blocked by it.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanEnv, runCli } from '../helpers/cli.js';

test('a stale state file is cleaned and reported as not running', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-stale-'));
  const dir = join(home, 'state', 'mcp-auth-proxy');
  mkdirSync(dir, { recursive: true });
  // A pid that surely exited: a finished child's.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
  const file = join(dir, 'daemon-127.0.0.1-8788.json');
  writeFileSync(file, JSON.stringify({ pid: dead, url: 'http://127.0.0.1:8788', listen: '127.0.0.1:8788', version: '0.0.0', startedAt: new Date().toISOString() }));
  const env = cleanEnv({ HOME: home, XDG_STATE_HOME: join(home, 'state'), MCP_LISTEN_ADDR: '127.0.0.1:8788' });
  const status = await runCli(['status'], { cwd: home, env });
  expect(status.code).toBe(1);
  expect(status.stdout).toContain('is not running (127.0.0.1:8788)');
  expect(existsSync(file)).toBe(false);
});
