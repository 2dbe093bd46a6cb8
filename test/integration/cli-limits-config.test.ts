// Mistakes in rateLimits and redis stop start with exit 2, naming the file,
// the field and the fix; a Redis password written in the URL is never echoed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';

test('bad rates, a per-server limit for no server, a password in the Redis URL and a bad replica count: each named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-limits-'));
  const file = join(dir, 'team.json');
  writeFileSync(
    file,
    JSON.stringify({
      rateLimits: { perCaller: '120 per minute', perCallerTool: '0/min', perServer: { gw: '10/min', nowhere: '5/s' }, perUser: '1/s' },
      redis: { url: 'redis://:hunter2-redis-pass@redis:6379', replicas: 0 },
      servers: { gw: { url: 'https://gw.example/mcp', auth: { type: 'none' } } },
    }),
  );
  const result = await runCli(['start', '--config', file], { cwd: dir, env: cleanEnv({ HOME: dir, XDG_STATE_HOME: join(dir, 'state') }) });
  expect(result.stderr).toContain(`${file}: rateLimits.perCaller: "120 per minute" is not a rate; write requests per time, e.g. "120/min"`);
  expect(result.stderr).toContain(`${file}: rateLimits.perCallerTool: "0/min" is not a rate`);
  expect(result.stderr).toContain(`${file}: rateLimits.perServer.nowhere: no server named "nowhere"; configured: "gw"`);
  expect(result.stderr).toContain(`${file}: rateLimits.perUser: unknown field`);
  expect(result.stderr).toContain(`${file}: redis.url: the URL holds a password, and config never holds a secret: remove it from the URL and set "password": "env:REDIS_PASSWORD"`);
  expect(result.stderr).toContain(`${file}: redis.replicas: must be 1 or more`);
  expect(result.stderr + result.stdout).not.toContain('hunter2-redis-pass');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.code).toBe(2);
});
