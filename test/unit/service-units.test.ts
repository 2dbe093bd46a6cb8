// The generated service definitions, checked by their own tools where Debian
// has them (systemd-analyze verify) and otherwise parsed back: the systemd
// units, the LaunchAgent plist (plutil is macOS-only: a plist parser reads
// it) and the Task Scheduler XML (an XML parser reads it).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parsePlist } from 'plist';
import { launchCommand } from '../../src/service/launch.js';
import { launchAgentPlist } from '../../src/service/launchd.js';
import { systemdUnits, systemdWord } from '../../src/service/systemd.js';
import { logonTaskXml, windowsArg } from '../../src/service/windows-task.js';
import { BIN } from '../helpers/cli.js';

// Awkward but real: a home with a space, a percent sign and a dollar in it.
const STATE = '/home/ann smith/100%/$state';
const command = launchCommand({ env: { XDG_STATE_HOME: STATE }, entry: BIN });

test('the command is this node and this bin by absolute path, start in the foreground, logging where `logs` reads', () => {
  expect(command).toEqual({ node: process.execPath, nodeArgs: ['--max-semi-space-size=8', '--initial-old-space-size=64'], entry: BIN, args: ['start', '--log-file', `${STATE}/mcp-auth-proxy/daemon.log`] });
});

test('a copy run from an npx (or dlx) cache is refused, naming the way to install it', () => {
  for (const entry of ['/home/u/.npm/_npx/1a2b3c/node_modules/mcp-auth-proxy/bin/mcp-auth-proxy.js', 'C:\\Users\\u\\AppData\\Local\\npm-cache\\_npx\\9f\\node_modules\\mcp-auth-proxy\\bin\\mcp-auth-proxy.js', '/home/u/.local/share/pnpm/dlx/abc/node_modules/mcp-auth-proxy/bin/mcp-auth-proxy.js']) {
    expect(() => launchCommand({ env: {}, entry })).toThrow(expect.objectContaining({ code: 'SERVICE_FROM_NPX', hint: expect.stringContaining('npm install -g mcp-auth-proxy') }));
  }
});

/** The unit as systemd reads it: section → key → values. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) out[(section = header[1] as string)] = {};
    else {
      const at = line.indexOf('=');
      ((out[section] as Record<string, string[]>)[line.slice(0, at)] ??= []).push(line.slice(at + 1));
    }
  }
  return out;
}

/** systemd's unquoting of ExecStart words (the inverse of systemdWord, then specifier and variable unescaping). */
function execWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  return words;
}

test('systemd: the service restarts on failure, runs the command word for word, and is wanted by the login target', () => {
  const { service, socket } = systemdUnits(command, {});
  expect(socket).toBeUndefined();
  const unit = parseUnit(service);
  expect(unit.Service?.Restart).toEqual(['on-failure']);
  expect(unit.Service?.Type).toEqual(['simple']);
  // The daemon's malloc setting, as `start --detach` runs it (src/daemon/detach.ts).
  expect(unit.Service?.Environment).toEqual(['MALLOC_ARENA_MAX=2', 'MALLOC_TRIM_THRESHOLD_=131072']);
  expect(execWords(unit.Service?.ExecStart?.[0] ?? '')).toEqual([command.node, ...(command.nodeArgs ?? []), command.entry, ...command.args]);
  expect(unit.Install?.WantedBy).toEqual(['default.target']);
  expect(systemdWord('100%')).toBe('"100%%"');
});

test('systemd with --socket: the socket unit holds the address and is what gets enabled; the service requires it', () => {
  const { service, socket } = systemdUnits(command, { socket: '127.0.0.1:8787' });
  const socketUnit = parseUnit(socket ?? '');
  expect(socketUnit.Socket?.ListenStream).toEqual(['127.0.0.1:8787']);
  expect(socketUnit.Install?.WantedBy).toEqual(['sockets.target']);
  const serviceUnit = parseUnit(service);
  expect(serviceUnit.Unit?.Requires).toEqual(['mcp-auth-proxy.socket']);
  expect(serviceUnit.Install).toBeUndefined();
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
// Debian's systemd package provides it (CI installs it); the system-mode check needs no running systemd.
(analyze ? test : test.skip)('systemd-analyze verify accepts both units (and refuses a broken one, so the check is real)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-units-'));
  const real = launchCommand({ env: { XDG_STATE_HOME: dir }, entry: BIN });
  const { service, socket } = systemdUnits(real, { socket: '127.0.0.1:8787' });
  writeFileSync(join(dir, 'mcp-auth-proxy.service'), service);
  writeFileSync(join(dir, 'mcp-auth-proxy.socket'), socket ?? '');
  const ok = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'mcp-auth-proxy.service'), join(dir, 'mcp-auth-proxy.socket')], { encoding: 'utf8' });
  expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
  writeFileSync(join(dir, 'broken.service'), service.replace(/ExecStart=.*/, 'ExecStart=relative/node'));
  expect(spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'broken.service')]).status).not.toBe(0);
  writeFileSync(join(dir, 'mcp-auth-proxy.service'), systemdUnits(real, {}).service);
  expect(execFileSync('systemd-analyze', ['verify', '--man=no', join(dir, 'mcp-auth-proxy.service')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
});

test('launchd: the plist parses back to the label, the exact arguments, run at load and kept alive after a crash', () => {
  const text = launchAgentPlist(command, { outFile: `${STATE}/mcp-auth-proxy/daemon.out` });
  const parsed = parsePlist(text) as Record<string, unknown>;
  expect(parsed).toEqual({
    Label: 'dev.mcp-auth-proxy',
    ProgramArguments: [command.node, ...(command.nodeArgs ?? []), command.entry, ...command.args],
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    LimitLoadToSessionType: 'Aqua',
    ProcessType: 'Background',
    StandardOutPath: `${STATE}/mcp-auth-proxy/daemon.out`,
    StandardErrorPath: `${STATE}/mcp-auth-proxy/daemon.out`,
  });
  // XML special characters in a path survive the round trip.
  const odd = launchAgentPlist({ ...command, entry: '/opt/a&b/<bin>.js' }, { outFile: '/tmp/o' });
  expect((parsePlist(odd) as { ProgramArguments: string[] }).ProgramArguments[1 + (command.nodeArgs?.length ?? 0)]).toBe('/opt/a&b/<bin>.js');
});

test('Windows: the task XML is well-formed and parses back to a logon trigger for this user, least privilege, restart on failure, the exact command', () => {
  const text = logonTaskXml({ node: 'C:\\Program Files\\nodejs\\node.exe', nodeArgs: ['--max-semi-space-size=8'], entry: 'C:\\Users\\Ann Smith\\AppData\\Roaming\\npm\\node_modules\\mcp-auth-proxy\\bin\\mcp-auth-proxy.js', args: ['start', '--log-file', 'C:\\Users\\Ann Smith\\AppData\\Local\\mcp-auth-proxy\\state\\daemon.log'] }, { user: 'CORP\\ann' });
  expect(XMLValidator.validate(text)).toBe(true);
  const task = (new XMLParser({ parseTagValue: false }).parse(text) as { Task: Record<string, any> }).Task;
  expect(task.Triggers.LogonTrigger).toEqual({ Enabled: 'true', UserId: 'CORP\\ann' });
  expect(task.Principals.Principal).toEqual({ UserId: 'CORP\\ann', LogonType: 'InteractiveToken', RunLevel: 'LeastPrivilege' });
  expect(task.Settings.RestartOnFailure).toEqual({ Interval: 'PT1M', Count: '999' });
  expect(task.Settings.ExecutionTimeLimit).toBe('PT0S');
  expect(task.Actions.Exec.Command).toBe('C:\\Program Files\\nodejs\\node.exe');
  expect(task.Actions.Exec.Arguments).toBe(
    '--max-semi-space-size=8 "C:\\Users\\Ann Smith\\AppData\\Roaming\\npm\\node_modules\\mcp-auth-proxy\\bin\\mcp-auth-proxy.js" start --log-file "C:\\Users\\Ann Smith\\AppData\\Local\\mcp-auth-proxy\\state\\daemon.log"',
  );
  expect(windowsArg('a "b" c\\')).toBe('"a \\"b\\" c\\\\"');
});
