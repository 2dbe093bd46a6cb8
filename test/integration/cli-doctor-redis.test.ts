// doctor checks the Redis the replicas share: a reachable one passes with its
// version and the API keys kept there; one that is down fails, naming what
// that costs and the fix, and doctor exits non-zero.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
afterEach(async () => {
  await redis.close();
});

test('doctor: redis answers (version, shared API keys), then is down (fail, exit 1)', async () => {
  redis = await startRedis();
  const home = mkdtempSync(join(tmpdir(), 'map-doctor-redis-'));
  const config = join(home, 'team.json');
  writeFileSync(config, JSON.stringify({ mode: 'team', identity: [{ type: 'apiKey' }], rateLimits: { perCaller: '60/min' }, redis: { url: redis.url, replicas: 3 }, servers: {} }));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  expect((await runCli(['keys', 'create', 'ann@acme.example', '--config', config], { env })).code).toBe(0);
  const up = await runCli(['doctor', '--json', '--config', config], { env, cwd: home });
  const checks = JSON.parse(up.stdout) as { checks: Array<{ name: string; status: string; detail: string; hint?: string }> };
  expect(checks.checks.find((c) => c.name === 'redis')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/answers \(Redis \d+\.\d+\.\d+\); 1 API key shared by 3 replicas$/) });

  await redis.stop();
  const down = await runCli(['doctor', '--json', '--config', config], { env, cwd: home });
  expect(down.code).toBe(1);
  const failed = (JSON.parse(down.stdout) as typeof checks).checks.find((c) => c.name === 'redis');
  expect(failed).toMatchObject({ status: 'fail', detail: `cannot reach ${redis.url}` });
  expect(failed?.hint).toContain('limit / redis.replicas');
});
