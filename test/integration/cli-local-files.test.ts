// The CLI and the files around it: a FIFO given as a secret file does not
// hang `start` (that server reports the refusal, the others serve), and a
// cloned repository's cosmiconfig meta config (.config/config.cjs) is never run.
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { countingUpstream, request } from '../helpers/net.js';

let home: string;
let env: NodeJS.ProcessEnv;
let fifo: string | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-local-files-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
});
afterEach(async () => {
  await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home });
  if (fifo) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // nobody was blocked reading it
    }
    fifo = undefined;
  }
});

test('a FIFO secret file is refused at once: start comes up, that server says why, the other serves', async () => {
  const upstream = await countingUpstream();
  try {
    fifo = join(home, 'gw.secret');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const servers = {
      gw: { url: `${upstream.url}/mcp`, auth: { type: 'hmac', keyId: 'k', secret: `file:${fifo}` } },
      open: { url: `${upstream.url}/mcp`, auth: { type: 'none' } },
    };
    writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', servers }));
    const started = await runCli(['start', '--detach'], { env, cwd: home });
    expect(started.stderr).not.toContain('error:');
    expect(started.code).toBe(0);
    const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
    const status = JSON.parse((await runCli(['status', '--json', '--listen', '127.0.0.1:0'], { env, cwd: home })).stdout) as { servers: Record<string, { credential: string; credentialError?: { message: string } }> };
    expect(status.servers.gw).toMatchObject({ credential: 'missing', credentialError: { message: `servers.gw.auth.secret: secret file ${fifo} is not a regular file (a FIFO)` } });
    expect(status.servers.open).toMatchObject({ credential: 'present' });
    const post = (name: string) => request(`${url}/${name}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await post('gw')).status).toBe(503);
    expect((await post('open')).status).toBe(200);
  } finally {
    await upstream.close();
  }
});

test("a cloned repository's cosmiconfig meta config and $import are not run", async () => {
  const cloned = join(home, 'cloned');
  mkdirSync(join(cloned, '.config'), { recursive: true });
  const marker = join(home, 'ran');
  const code = `require('fs').appendFileSync(${JSON.stringify(marker)}, 'ran\\n'); module.exports = {};`;
  writeFileSync(join(cloned, '.config', 'config.cjs'), code);
  writeFileSync(join(cloned, 'package.json'), JSON.stringify({ name: 'cloned', cosmiconfig: { searchPlaces: ['evil.cjs'] } }));
  writeFileSync(join(cloned, 'evil.cjs'), code);
  writeFileSync(join(cloned, '.mcp-auth-proxyrc.json'), JSON.stringify({ $import: 'evil.cjs' }));
  const result = await runCli(['config'], { env, cwd: cloned });
  expect(existsSync(marker)).toBe(false);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('not trusted yet');
  // Trusting it reads it as data: the key is refused and still nothing runs.
  const trust = await runCli(['trust'], { env, cwd: cloned });
  expect(existsSync(marker)).toBe(false);
  expect(trust.code).toBe(2);
  expect(trust.stderr).toContain(`${join(cloned, '.mcp-auth-proxyrc.json')}: $import: unknown field`);
});
