// reload tells the truth about credentials: after a reload that leaves a
// server without a usable credential (its secret file turned loose), that
// server is reported as failed with the fix and reload exits 1, while the new
// config is in force and the other servers serve.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { countingUpstream, request } from '../helpers/net.js';

let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  upstream = await countingUpstream();
  home = mkdtempSync(join(tmpdir(), 'map-reload-cred-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  writeFileSync(join(home, 'gw.secret'), 'reload-cred-secret-1a2b', { mode: 0o600 });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  const servers = {
    gw: { url: `${upstream.url}/mcp`, auth: { type: 'hmac', keyId: 'k', secret: `file:${join(home, 'gw.secret')}` } },
    open: { url: `${upstream.url}/mcp`, auth: { type: 'none' } },
  };
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', servers }));
});
afterEach(async () => {
  await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home });
  await upstream.close();
});

const reload = (json = false) => runCli(['reload', '--listen', '127.0.0.1:0', ...(json ? ['--json'] : [])], { env, cwd: home });

test('a secret file turned loose: reload exits 1 naming the server and the fix; the other serves; fixing it and reloading is ok again', async () => {
  const started = await runCli(['start', '--detach'], { env, cwd: home });
  // The daemon's own words first, should it fail to start.
  expect(started.stderr).not.toContain('error:');
  expect(started.code).toBe(0);
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  const post = (name: string) => request(`${url}/${name}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect((await post('gw')).status).toBe(200);

  chmodSync(join(home, 'gw.secret'), 0o644);
  const failed = await reload();
  expect(failed.code).toBe(1);
  expect(failed.stdout).toMatch(/Reloaded pid \d+: serving open; failed: gw\./);
  expect(failed.stderr).toContain(`gw: no usable credential, its requests get 503: servers.gw.auth.secret: secret file ${join(home, 'gw.secret')} has mode 644; other users can read it`);
  expect(failed.stderr).toContain(`hint: Run \`chmod 600 ${join(home, 'gw.secret')}\`.`);
  expect((await post('gw')).status).toBe(503);
  expect((await post('open')).status).toBe(200);

  const json = await reload(true);
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout)).toMatchObject({ reloaded: true, ok: false, servers: ['gw', 'open'], failed: [{ server: 'gw', code: 'SECRET_FILE_MODE', hint: expect.stringContaining('chmod 600') }] });

  chmodSync(join(home, 'gw.secret'), 0o600);
  const fixed = await reload(true);
  expect(fixed.code).toBe(0);
  expect(JSON.parse(fixed.stdout)).toMatchObject({ reloaded: true, ok: true, failed: [] });
  expect((await post('gw')).status).toBe(200);
});
