// SIGUSR1 does not open the V8 inspector on a running daemon (Node's default
// would listen on 127.0.0.1:9229, where any local user could attach and read
// every secret): the daemon logs that it ignored the signal, listens on no new
// port and keeps serving. A deliberate --inspect-port in NODE_OPTIONS keeps
// Node's behaviour. Sockets are read from /proc, so this runs on Linux only.
import { readdirSync, readFileSync, readlinkSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, finished, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { eventually, request } from '../helpers/net.js';

const linux = process.platform === 'linux' ? test : test.skip;

/** The TCP ports the process is listening on: its socket inodes matched against the kernel's tables. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((link) => link.startsWith('socket:['))
      .map((link) => link.slice('socket:['.length, -1)),
  );
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1] ?? '', fields[3], fields[9] ?? ''];
      if (state === '0A' && inodes.has(inode)) ports.push(Number.parseInt(local.split(':')[1] ?? '', 16));
    }
  }
  return ports.sort();
}

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-usr1-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', servers: { gw: { url: 'http://127.0.0.1:9/mcp', auth: { type: 'none' } } } }));
});
afterEach(async () => {
  await runCli(['stop', '--listen', '127.0.0.1:0'], { env, cwd: home });
});

linux('kill -USR1 on the daemon: ignored and logged, no new listening port, still serving', async () => {
  const started = await runCli(['start', '--detach'], { env, cwd: home });
  // The daemon's own words first, should it fail to start.
  expect(started.stderr).not.toContain('error:');
  expect(started.code).toBe(0);
  const [, url, pidText] = /running at (http:\/\/\S+) \(pid (\d+)\)/.exec(started.stdout) ?? [];
  const pid = Number(pidText);
  const port = Number(new URL(url as string).port);
  expect(listeningPorts(pid)).toEqual([port]);

  const log = join(home, 'state', 'mcp-auth-proxy', 'daemon.log');
  process.kill(pid, 'SIGUSR1');
  // Either outcome is written to the log: our note, or Node's inspector announcing itself (or failing to bind).
  const outcome = /SIGUSR1 received and ignored|Debugger listening|Starting inspector/;
  await eventually(() => outcome.test(readFileSync(log, 'utf8')), 400);
  const text = readFileSync(log, 'utf8');
  expect(text).toContain('SIGUSR1 received and ignored: the V8 inspector stays closed');
  expect(text).not.toMatch(/Debugger listening|Starting inspector/);
  expect(listeningPorts(pid)).toEqual([port]);
  expect((await request(`${url}/healthz`)).status).toBe(200);
});

linux('with --inspect-port in NODE_OPTIONS the inspector can still be opened by SIGUSR1, as asked', async () => {
  const child = spawnCli(['start'], { env: { ...env, NODE_OPTIONS: '--inspect-port=127.0.0.1:0' }, cwd: home });
  try {
    await waitForOutput(child, /listening on http:\/\//);
    child.kill('SIGUSR1');
    await waitForOutput(child, /Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//, 'stderr');
    expect(child.out.stderr).not.toContain('SIGUSR1 received and ignored');
  } finally {
    child.kill('SIGKILL');
    await finished(child);
  }
});
