// `service install | uninstall | status` in a throwaway home. No systemd user
// manager can run in this container (no systemd as PID 1, no user session
// bus), so systemctl and loginctl are stand-ins on PATH that record their
// arguments and keep the enabled/active state in a file; everything else
// (the unit files, the CLI, the idempotency) is the real thing.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';

const SYSTEMCTL = `#!/bin/sh
# Stand-in for systemctl --user: records each call; enable --now / disable --now flip a state file.
echo "$*" >> "$STUB_LOG"
state="$STUB_DIR/state"
case "$2" in
  enable) echo "enabled $4" >> "$state" ;;
  disable) : > "$state" ;;
  is-enabled) grep -q "enabled $3" "$state" 2>/dev/null && echo enabled || { echo disabled; exit 1; } ;;
  is-active) [ -s "$state" ] && echo active || { echo inactive; exit 3; } ;;
esac
exit 0
`;
const LOGINCTL = `#!/bin/sh
echo "loginctl $*" >> "$STUB_LOG"
echo no
`;

function setup() {
  const sandbox = configSandbox('map-svc-');
  const home = join(sandbox.root, 'home');
  const bin = join(sandbox.root, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  writeFileSync(join(bin, 'systemctl'), SYSTEMCTL);
  writeFileSync(join(bin, 'loginctl'), LOGINCTL);
  chmodSync(join(bin, 'systemctl'), 0o755);
  chmodSync(join(bin, 'loginctl'), 0o755);
  const log = join(sandbox.root, 'calls.log');
  writeJson(sandbox.userFile, { listen: '127.0.0.1:18787', servers: {} });
  const env = cleanEnv(sandbox.env({ HOME: home, USER: 'ann', PATH: `${bin}:${process.env.PATH}`, STUB_LOG: log, STUB_DIR: sandbox.root }));
  const unitDir = join(sandbox.xdg, 'systemd', 'user');
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { sandbox, env, unitDir, calls, run: (args: string[]) => runCli(['service', ...args], { env, cwd: sandbox.project }) };
}

test('install twice: the unit is written and enabled once, the second run changes nothing; uninstall twice likewise', async () => {
  const { unitDir, calls, run, sandbox } = setup();
  const first = await run(['install']);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('Installed the systemd user service');
  const unitFile = join(unitDir, 'mcp-auth-proxy.service');
  const unit = readFileSync(unitFile, 'utf8');
  expect(unit).toContain(`ExecStart="${process.execPath}" "--max-semi-space-size=8" "--initial-old-space-size=64" "${BIN}" "start" "--log-file" "${join(sandbox.state, 'mcp-auth-proxy', 'daemon.log')}"`);
  expect(calls()).toEqual(expect.arrayContaining(['--user daemon-reload', '--user enable --now mcp-auth-proxy.service']));
  // Headless Linux: the note explains linger.
  expect(first.stdout).toContain('loginctl enable-linger ann');

  const before = calls().length;
  const second = await run(['install']);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain('already installed, unchanged');
  expect(readFileSync(unitFile, 'utf8')).toBe(unit);
  expect(calls().slice(before)).not.toContain('--user daemon-reload');

  const status = await run(['status', '--json']);
  expect(JSON.parse(status.stdout)).toMatchObject({ kind: 'systemd', installed: true, running: true, files: [unitFile], state: 'mcp-auth-proxy.service enabled; service active' });

  const removed = await run(['uninstall']);
  expect(removed.code).toBe(0);
  expect(removed.stdout).toContain('Removed the systemd user service');
  expect(existsSync(unitFile)).toBe(false);
  expect(calls()).toContain('--user disable --now mcp-auth-proxy.socket mcp-auth-proxy.service');
  const again = await run(['uninstall']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('nothing to remove');
  expect(JSON.parse((await run(['status', '--json'])).stdout)).toMatchObject({ installed: false, state: 'not installed' });
});

test('install --socket: a socket unit on the configured address is enabled instead of the service; a plain install later removes it', async () => {
  const { unitDir, calls, run } = setup();
  const result = await run(['install', '--socket']);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('socket-activated on 127.0.0.1:18787');
  expect(readFileSync(join(unitDir, 'mcp-auth-proxy.socket'), 'utf8')).toContain('ListenStream=127.0.0.1:18787');
  expect(readFileSync(join(unitDir, 'mcp-auth-proxy.service'), 'utf8')).toContain('Requires=mcp-auth-proxy.socket');
  expect(calls()).toContain('--user enable --now mcp-auth-proxy.socket');
  const plain = await run(['install']);
  expect(plain.code).toBe(0);
  expect(existsSync(join(unitDir, 'mcp-auth-proxy.socket'))).toBe(false);
  expect(calls()).toContain('--user disable --now mcp-auth-proxy.socket');
});

test('systemctl that cannot reach a user manager: the unit stays written, the error says what to run, exit 1, no stack trace', async () => {
  const { sandbox, env, unitDir } = setup();
  writeFileSync(join(sandbox.root, 'bin', 'systemctl'), '#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n');
  const result = await runCli(['service', 'install'], { env, cwd: sandbox.project });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Failed to connect to bus');
  expect(result.stderr).toContain('loginctl enable-linger');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(unitDir, 'mcp-auth-proxy.service'))).toBe(true);
});
