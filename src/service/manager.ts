// install, uninstall and status of the per-user service on each OS: systemd
// user units on Linux, a LaunchAgent on macOS (bootstrapped and kicked so it
// runs now, not only at the next login), a logon task on Windows. Each step
// is idempotent; what the service manager said is reported, never hidden.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';
import { AppError } from '../errors.js';
import { exists, removeIfPresent, writeIfChanged } from './files.js';
import { LAUNCHD_LABEL, SERVICE_NAME, type LaunchCommand } from './launch.js';
import { launchAgentPlist } from './launchd.js';
import { firstLine, type RunCommand } from './run-command.js';
import { systemdUnits } from './systemd.js';
import { logonTaskXml } from './windows-task.js';

export type ServiceKind = 'systemd' | 'launchd' | 'schtasks';

export interface ServiceContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  run: RunCommand;
  home?: string;
  uid?: number;
}

export interface ServiceReport {
  kind: ServiceKind;
  installed: boolean;
  /** Whether this call changed anything on disk or in the service manager. */
  changed: boolean;
  files: string[];
  /** What the service manager says: running, enabled, or why it could not say. */
  state: string;
  running?: boolean;
}

export function serviceKind(platform: NodeJS.Platform): ServiceKind {
  if (platform === 'darwin') return 'launchd';
  if (platform === 'win32') return 'schtasks';
  return 'systemd';
}

function systemdDir(ctx: ServiceContext): string {
  return join(ctx.env.XDG_CONFIG_HOME || join(ctx.home ?? homedir(), '.config'), 'systemd', 'user');
}
const unitFiles = (ctx: ServiceContext) => ({ service: join(systemdDir(ctx), `${SERVICE_NAME}.service`), socket: join(systemdDir(ctx), `${SERVICE_NAME}.socket`) });
const plistFile = (ctx: ServiceContext) => join(ctx.home ?? homedir(), 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
const taskFile = (ctx: ServiceContext) => join(stateDir(ctx.env, ctx.platform), 'service-task.xml');
const guiDomain = (ctx: ServiceContext) => `gui/${ctx.uid ?? process.getuid?.() ?? 0}`;

function managerError(kind: ServiceKind, what: string, said: string, hint: string): AppError {
  return new AppError('SERVICE_MANAGER', `${kind}: ${what}: ${said}`, { hint });
}

export async function installService(ctx: ServiceContext, command: LaunchCommand, options: { socket?: string }): Promise<ServiceReport> {
  const kind = serviceKind(ctx.platform);
  if (kind === 'systemd') {
    const files = unitFiles(ctx);
    const units = systemdUnits(command, options);
    let changed = await writeIfChanged(files.service, units.service);
    if (units.socket) changed = (await writeIfChanged(files.socket, units.socket)) || changed;
    else if (await exists(files.socket)) {
      await ctx.run('systemctl', ['--user', 'disable', '--now', `${SERVICE_NAME}.socket`]);
      changed = (await removeIfPresent(files.socket)) || changed;
    }
    const unit = `${SERVICE_NAME}.${units.socket ? 'socket' : 'service'}`;
    if (changed) {
      const reload = await ctx.run('systemctl', ['--user', 'daemon-reload']);
      if (reload.code !== 0) throw managerError(kind, `the unit is written (${files.service}) but systemd --user did not load it`, firstLine(reload), `In your login session run \`systemctl --user daemon-reload && systemctl --user enable --now ${unit}\`; on a headless machine first \`loginctl enable-linger $USER\`.`);
    }
    // With the socket unit, the service is started by the socket; it is not enabled on its own.
    if (units.socket) await ctx.run('systemctl', ['--user', 'disable', `${SERVICE_NAME}.service`]);
    const enable = await ctx.run('systemctl', ['--user', 'enable', '--now', unit]);
    if (enable.code !== 0) throw managerError(kind, `systemctl --user enable --now ${unit} failed`, firstLine(enable), `See \`systemctl --user status ${unit}\`.`);
    // A changed unit of a running service takes effect only on restart.
    if (changed && !units.socket) await ctx.run('systemctl', ['--user', 'try-restart', `${SERVICE_NAME}.service`]);
    return { ...(await serviceStatus(ctx)), changed };
  }
  if (kind === 'launchd') {
    const file = plistFile(ctx);
    const changed = await writeIfChanged(file, launchAgentPlist(command, { outFile: join(stateDir(ctx.env, ctx.platform), 'daemon.out') }));
    const target = `${guiDomain(ctx)}/${LAUNCHD_LABEL}`;
    const loaded = (await ctx.run('launchctl', ['print', target])).code === 0;
    if (changed && loaded) await ctx.run('launchctl', ['bootout', target]);
    if (changed || !loaded) {
      const boot = await ctx.run('launchctl', ['bootstrap', guiDomain(ctx), file]);
      if (boot.code !== 0) throw managerError(kind, `launchctl bootstrap ${guiDomain(ctx)} failed`, firstLine(boot), `Run it from a terminal in your desktop session: \`launchctl bootstrap ${guiDomain(ctx)} ${file}\`.`);
    }
    const kick = await ctx.run('launchctl', ['kickstart', target]);
    if (kick.code !== 0) throw managerError(kind, `launchctl kickstart ${target} failed`, firstLine(kick), `See \`launchctl print ${target}\`.`);
    return { ...(await serviceStatus(ctx)), changed: changed || !loaded };
  }
  const file = taskFile(ctx);
  const user = ctx.env.USERDOMAIN && ctx.env.USERNAME ? `${ctx.env.USERDOMAIN}\\${ctx.env.USERNAME}` : userInfo().username;
  // Task Scheduler reads the XML as UTF-16 (the declaration says so): little-endian with a byte order mark.
  const xml = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(logonTaskXml(command, { user }), 'utf16le')]);
  const changed = await writeIfChanged(file, xml);
  const registered = (await ctx.run('schtasks', ['/Query', '/TN', SERVICE_NAME])).code === 0;
  if (changed || !registered) {
    const create = await ctx.run('schtasks', ['/Create', '/TN', SERVICE_NAME, '/XML', file, '/F']);
    if (create.code !== 0) throw managerError(kind, 'schtasks /Create failed', firstLine(create), `Run \`schtasks /Create /TN ${SERVICE_NAME} /XML "${file}" /F\` yourself to see why.`);
  }
  const run = await ctx.run('schtasks', ['/Run', '/TN', SERVICE_NAME]);
  if (run.code !== 0) throw managerError(kind, 'schtasks /Run failed', firstLine(run), `See \`schtasks /Query /TN ${SERVICE_NAME} /V /FO LIST\`.`);
  return { ...(await serviceStatus(ctx)), changed: changed || !registered };
}

export async function uninstallService(ctx: ServiceContext): Promise<ServiceReport> {
  const kind = serviceKind(ctx.platform);
  if (kind === 'systemd') {
    const files = unitFiles(ctx);
    const present = [files.service, files.socket];
    const had = (await exists(files.service)) || (await exists(files.socket));
    if (had) {
      await ctx.run('systemctl', ['--user', 'disable', '--now', `${SERVICE_NAME}.socket`, `${SERVICE_NAME}.service`]);
      for (const file of present) await removeIfPresent(file);
      await ctx.run('systemctl', ['--user', 'daemon-reload']);
    }
    return { kind, installed: false, changed: had, files: [], state: had ? 'removed' : 'not installed' };
  }
  if (kind === 'launchd') {
    const file = plistFile(ctx);
    const target = `${guiDomain(ctx)}/${LAUNCHD_LABEL}`;
    const loaded = (await ctx.run('launchctl', ['print', target])).code === 0;
    if (loaded) await ctx.run('launchctl', ['bootout', target]);
    const had = await removeIfPresent(file);
    return { kind, installed: false, changed: had || loaded, files: [], state: had || loaded ? 'removed' : 'not installed' };
  }
  const registered = (await ctx.run('schtasks', ['/Query', '/TN', SERVICE_NAME])).code === 0;
  if (registered) {
    await ctx.run('schtasks', ['/End', '/TN', SERVICE_NAME]);
    const del = await ctx.run('schtasks', ['/Delete', '/TN', SERVICE_NAME, '/F']);
    if (del.code !== 0) throw managerError(kind, 'schtasks /Delete failed', firstLine(del), `Run \`schtasks /Delete /TN ${SERVICE_NAME} /F\` yourself to see why.`);
  }
  const had = await removeIfPresent(taskFile(ctx));
  return { kind, installed: false, changed: had || registered, files: [], state: had || registered ? 'removed' : 'not installed' };
}

export async function serviceStatus(ctx: ServiceContext): Promise<ServiceReport> {
  const kind = serviceKind(ctx.platform);
  if (kind === 'systemd') {
    const files = unitFiles(ctx);
    const installed = await exists(files.service);
    const socket = await exists(files.socket);
    if (!installed) return { kind, installed, changed: false, files: [], state: 'not installed' };
    const unit = `${SERVICE_NAME}.${socket ? 'socket' : 'service'}`;
    const enabled = await ctx.run('systemctl', ['--user', 'is-enabled', unit]);
    const active = await ctx.run('systemctl', ['--user', 'is-active', `${SERVICE_NAME}.service`]);
    const said = (r: { stdout: string; stderr: string }) => r.stdout.trim() || r.stderr.trim().split('\n')[0] || 'unknown';
    return {
      kind,
      installed,
      changed: false,
      files: socket ? [files.service, files.socket] : [files.service],
      state: `${unit} ${said(enabled)}; service ${said(active)}`,
      running: active.stdout.trim() === 'active',
    };
  }
  if (kind === 'launchd') {
    const file = plistFile(ctx);
    const installed = await exists(file);
    if (!installed) return { kind, installed, changed: false, files: [], state: 'not installed' };
    const printed = await ctx.run('launchctl', ['print', `${guiDomain(ctx)}/${LAUNCHD_LABEL}`]);
    if (printed.code !== 0) return { kind, installed, changed: false, files: [file], state: `not loaded (${firstLine(printed)})`, running: false };
    const state = /^\s*state = (\S+)/m.exec(printed.stdout)?.[1] ?? 'unknown';
    const pid = /^\s*pid = (\d+)/m.exec(printed.stdout)?.[1];
    return { kind, installed, changed: false, files: [file], state: `loaded; ${state}${pid ? ` (pid ${pid})` : ''}`, running: state === 'running' };
  }
  const file = taskFile(ctx);
  const query = await ctx.run('schtasks', ['/Query', '/TN', SERVICE_NAME, '/FO', 'LIST', '/V']);
  if (query.code !== 0) return { kind, installed: false, changed: false, files: [], state: 'not installed' };
  const status = /^Status:\s*(.+)$/m.exec(query.stdout)?.[1]?.trim() ?? 'unknown';
  return { kind, installed: true, changed: false, files: [file], state: `registered; ${status}`, running: status === 'Running' };
}
