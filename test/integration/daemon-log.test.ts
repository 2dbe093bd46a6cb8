// The detached daemon's log: written by the daemon itself and rotated by size
// (daemonLog.maxBytes, keep), shown by `logs` (readable, --json, --since over
// rotated files, -f across a rotation); `status` names it only when the
// daemon writes one; in a terminal the foreground log is readable and
// coloured (NO_COLOR respected), JSON when not a terminal.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv, finished, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { request } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'daemon-log-secret-2b3c4d5e';
let upstream: SdkUpstream;
beforeAll(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-log', secret: SECRET, basePath: '/mcp' });
});
afterAll(() => upstream.close());

function sandbox(extra: object = {}) {
  const home = mkdtempSync(join(tmpdir(), 'map-dlog-'));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', GW_LOG_SECRET: SECRET });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', servers: { gw: { url: upstream.url, auth: { type: 'hmac', keyId: 'key-log', secret: 'env:GW_LOG_SECRET' } } }, ...extra }));
  return { home, env, stateDir: join(home, 'state', 'mcp-auth-proxy') };
}

const post = (url: string, id: string) =>
  request(`${url}/gw/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-request-id': id }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' });

test('the daemon log rotates by size; logs shows it readably, as JSON, --since across rotated files, and -f across a rotation', async () => {
  const { home, env, stateDir } = sandbox({ daemonLog: { maxBytes: '2KB', keep: 50 } });
  const started = await runCli(['start', '--detach'], { cwd: home, env });
  expect(started.code).toBe(0);
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  try {
    // The daemon runs with two malloc arenas (less memory kept after a busy spell); Linux shows its environment.
    const pid = /\(pid (\d+)/.exec(started.stdout)?.[1];
    if (process.platform === 'linux') {
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'MALLOC_TRIM_THRESHOLD_=131072']));
      // and V8's heap flags for a daemon (src/daemon/detach.ts): a capped young generation, room in the old one.
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['--max-semi-space-size=8', '--initial-old-space-size=64']));
    }
    for (let i = 0; i < 12; i++) expect((await post(url, `req-${i}`)).status).toBe(200);
    const rotated = readdirSync(stateDir).filter((f) => /^daemon-\d{4}-.*\.log$/.test(f));
    expect(rotated.length).toBeGreaterThan(0);
    for (const name of [...rotated, 'daemon.log']) expect(statSync(join(stateDir, name)).size).toBeLessThanOrEqual(2048);

    const all = await runCli(['logs', '--since', '1h', '--json'], { cwd: home, env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: string; path?: string; requestId?: string });
    expect(lines.filter((l) => l.message === 'request' && l.path === '/gw/mcp').map((l) => l.requestId)).toEqual(Array.from({ length: 12 }, (_, i) => `req-${i}`));
    expect(lines[0]?.message).toBe('config loaded');

    const readable = await runCli(['logs', '--lines', '1'], { cwd: home, env });
    expect(readable.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  POST \/gw\/mcp → 200 initialize [\d.]+ms \d+B→\d+B requestId=req-11 server=gw/);
    expect(readable.stdout).not.toContain('\u001b[');
    expect(all.stdout + readable.stdout).not.toContain(SECRET);

    const status = await runCli(['status'], { cwd: home, env });
    expect(status.stdout).toContain(`log: ${join(stateDir, 'daemon.log')} (\`mcp-auth-proxy logs\` shows it)`);

    const follower = spawnCli(['logs', '-f', '--lines', '1'], { cwd: home, env });
    await waitForOutput(follower, /GET \/statusz/); // the last line so far: it is following now
    for (let i = 12; i < 20; i++) await post(url, `req-${i}`); // enough to rotate while it follows
    await waitForOutput(follower, /requestId=req-19 /);
    follower.kill('SIGINT');
    const followed = await finished(follower);
    expect(followed.code).toBe(0);
    expect([...followed.stdout.matchAll(/requestId=(req-\d+) /g)].map((m) => m[1])).toEqual(Array.from({ length: 8 }, (_, i) => `req-${i + 12}`));
  } finally {
    await runCli(['stop'], { cwd: home, env });
  }
});

test('a proxy in a terminal writes no log file: status names none, logs says where it would be', async () => {
  const { home, env } = sandbox();
  const proxy = spawnCli(['start'], { cwd: home, env });
  await waitForOutput(proxy, /listening on (http:\/\/\S+)/);
  try {
    const status = await runCli(['status'], { cwd: home, env });
    expect(status.code).toBe(0);
    expect(status.stdout).not.toMatch(/^logs?:/m);
    expect(JSON.parse((await runCli(['status', '--json'], { cwd: home, env })).stdout).logFile).toBeUndefined();
    const logs = await runCli(['logs'], { cwd: home, env });
    expect(logs.code).toBe(1);
    expect(logs.stderr).toContain('No daemon log at');
    expect(logs.stderr).toContain('a proxy started in a terminal logs to that terminal');
    expect((await runCli(['logs', '--since', 'yesterday-ish'], { cwd: home, env })).code).toBe(2);
  } finally {
    proxy.kill('SIGTERM');
    await finished(proxy);
  }
});

/** Runs the CLI under `script`, which gives it a real terminal (a pty) as stdin, stdout and stderr. */
function inTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('close', () => resolve(out));
  });
}

test('in a terminal the log is readable and coloured; NO_COLOR drops the colour; not a terminal: JSON lines', async () => {
  const env = cleanEnv({ TERM: 'xterm' });
  const coloured = await inTerminal(['demo', '--once', '--log-level', 'info'], env);
  expect(coloured).toMatch(/INFO .*POST \/mcp → .*200.* initialize/);
  expect(coloured).toContain('\u001b[32m');
  const plain = await inTerminal(['demo', '--once', '--log-level', 'info'], { ...env, NO_COLOR: '1' });
  expect(plain).toMatch(/INFO  POST \/mcp → 200 initialize/);
  expect(plain).not.toContain('\u001b[');
  const piped = await runCli(['demo', '--once', '--log-level', 'info']);
  expect(piped.stderr.split('\n').filter((l) => l.includes('"message":"request"')).length).toBeGreaterThan(0);
  expect(piped.stderr).not.toContain('→');
  const forced = await runCli(['demo', '--once', '--log-level', 'info', '--log-format', 'pretty']);
  expect(forced.stderr).toMatch(/INFO  POST \/mcp → 200 initialize/);
});
