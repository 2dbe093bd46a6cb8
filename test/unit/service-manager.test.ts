// The macOS and Windows service managers cannot run on this Linux machine, so
// launchctl and schtasks are stand-ins here that keep the state those tools
// keep (loaded/registered, running); the files are real, in a throwaway home.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parsePlist } from 'plist';
import { installService, serviceStatus, uninstallService, type ServiceContext } from '../../src/service/manager.js';
import type { RunCommand } from '../../src/service/run-command.js';

const command = { node: '/usr/local/bin/node', entry: '/usr/local/lib/node_modules/mcp-auth-proxy/bin/mcp-auth-proxy.js', args: ['start'] };

function fakeLaunchctl() {
  const calls: string[] = [];
  let loaded = false;
  let running = false;
  const run: RunCommand = async (cmd, args) => {
    calls.push([cmd, ...args].join(' '));
    const [verb] = args;
    if (verb === 'print') return loaded ? { code: 0, stdout: `gui/501/dev.mcp-auth-proxy = {\n\tstate = ${running ? 'running' : 'waiting'}\n${running ? '\tpid = 4242\n' : ''}}`, stderr: '' } : { code: 113, stdout: '', stderr: 'Could not find service' };
    if (verb === 'bootstrap') return loaded ? { code: 5, stdout: '', stderr: 'Bootstrap failed: 5: Input/output error' } : ((loaded = true), { code: 0, stdout: '', stderr: '' });
    if (verb === 'bootout') return loaded ? ((loaded = false), (running = false), { code: 0, stdout: '', stderr: '' }) : { code: 3, stdout: '', stderr: 'No such process' };
    if (verb === 'kickstart') return loaded ? ((running = true), { code: 0, stdout: '', stderr: '' }) : { code: 113, stdout: '', stderr: 'Could not find service' };
    return { code: 1, stdout: '', stderr: 'unknown' };
  };
  return { run, calls };
}

test('macOS: install bootstraps and kicks the agent (running now), a second install only kicks, uninstall boots it out and removes the plist', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-mac-'));
  const launchctl = fakeLaunchctl();
  const ctx: ServiceContext = { env: { XDG_STATE_HOME: join(home, 'state') }, platform: 'darwin', run: launchctl.run, home, uid: 501 };
  const first = await installService(ctx, command, {});
  expect(first).toMatchObject({ kind: 'launchd', installed: true, changed: true, running: true, state: 'loaded; running (pid 4242)' });
  const file = join(home, 'Library', 'LaunchAgents', 'dev.mcp-auth-proxy.plist');
  expect((parsePlist(readFileSync(file, 'utf8')) as { ProgramArguments: string[] }).ProgramArguments).toEqual([command.node, command.entry, 'start']);
  expect(launchctl.calls).toEqual(['launchctl print gui/501/dev.mcp-auth-proxy', `launchctl bootstrap gui/501 ${file}`, 'launchctl kickstart gui/501/dev.mcp-auth-proxy', 'launchctl print gui/501/dev.mcp-auth-proxy']);

  launchctl.calls.length = 0;
  const second = await installService(ctx, command, {});
  expect(second).toMatchObject({ changed: false, running: true });
  expect(launchctl.calls.filter((c) => c.includes('bootstrap') || c.includes('bootout'))).toEqual([]);

  // A changed command (a new node) reloads the agent: out, then in again.
  launchctl.calls.length = 0;
  const moved = await installService(ctx, { ...command, node: '/opt/homebrew/bin/node' }, {});
  expect(moved.changed).toBe(true);
  expect(launchctl.calls.filter((c) => /bootout|bootstrap/.test(c))).toEqual(['launchctl bootout gui/501/dev.mcp-auth-proxy', `launchctl bootstrap gui/501 ${file}`]);

  expect(await uninstallService(ctx)).toMatchObject({ installed: false, changed: true });
  expect(existsSync(file)).toBe(false);
  expect(await uninstallService(ctx)).toMatchObject({ changed: false, state: 'not installed' });
  expect(await serviceStatus(ctx)).toMatchObject({ installed: false });
});

function fakeSchtasks() {
  const calls: string[][] = [];
  let registered: string | undefined;
  let status = 'Ready';
  const run: RunCommand = async (cmd, args) => {
    calls.push([cmd, ...args]);
    const verb = args[0];
    if (verb === '/Query') return registered ? { code: 0, stdout: `TaskName:  \\mcp-auth-proxy\nStatus:    ${status}\n`, stderr: '' } : { code: 1, stdout: '', stderr: 'ERROR: The system cannot find the file specified.' };
    if (verb === '/Create') return ((registered = readFileSync(args[args.indexOf('/XML') + 1] as string).toString('utf16le')), { code: 0, stdout: 'SUCCESS', stderr: '' });
    if (verb === '/Run') return registered ? ((status = 'Running'), { code: 0, stdout: 'SUCCESS', stderr: '' }) : { code: 1, stdout: '', stderr: 'ERROR' };
    if (verb === '/End') return ((status = 'Ready'), { code: 0, stdout: '', stderr: '' });
    if (verb === '/Delete') return ((registered = undefined), { code: 0, stdout: 'SUCCESS', stderr: '' });
    return { code: 1, stdout: '', stderr: 'unknown' };
  };
  return { run, calls, registered: () => registered };
}

test('Windows: install registers the logon task from UTF-16 XML and runs it; again: unchanged; uninstall ends and deletes it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-win-'));
  const schtasks = fakeSchtasks();
  const ctx: ServiceContext = { env: { XDG_STATE_HOME: join(home, 'state'), USERDOMAIN: 'CORP', USERNAME: 'ann' }, platform: 'win32', run: schtasks.run, home };
  const first = await installService(ctx, command, {});
  expect(first).toMatchObject({ kind: 'schtasks', installed: true, changed: true, running: true, state: 'registered; Running' });
  expect(schtasks.registered()).toContain('<UserId>CORP\\ann</UserId>');
  expect(schtasks.registered()?.charCodeAt(0)).toBe(0xfeff);
  const second = await installService(ctx, command, {});
  expect(second.changed).toBe(false);
  expect(schtasks.calls.filter((c) => c[1] === '/Create')).toHaveLength(1);
  expect(await uninstallService(ctx)).toMatchObject({ changed: true });
  expect(schtasks.calls.map((c) => c[1])).toEqual(expect.arrayContaining(['/End', '/Delete']));
  expect(await uninstallService(ctx)).toMatchObject({ changed: false, state: 'not installed' });
});
