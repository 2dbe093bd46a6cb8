// `mcp-auth-proxy service install | uninstall | status`: the daemon as a
// per-user service that starts at login and after a crash, no root: systemd
// user units (optionally socket-activated), a macOS LaunchAgent, a Windows
// logon task. Each subcommand is idempotent and says what it changed.
import { isAbsolute, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { parseListenAddress } from '../../config/listen-address.js';
import { UsageError } from '../../errors.js';
import { launchCommand } from '../../service/launch.js';
import { lingerNote } from '../../service/linger.js';
import { installService, serviceStatus, uninstallService, type ServiceContext, type ServiceReport } from '../../service/manager.js';
import { runCommand } from '../../service/run-command.js';
import { configWarnings, print, type CommandContext } from '../context.js';

export interface ServiceOptions {
  config?: string;
  socket?: boolean;
  json?: boolean;
}

export async function service(ctx: CommandContext, action: string, options: ServiceOptions): Promise<void> {
  if (action !== 'install' && (options.socket || options.config)) throw new UsageError(`${options.socket ? '--socket' : '--config'} applies to \`service install\` only`);
  if (action === 'install') return serviceInstall(ctx, options);
  if (action === 'uninstall') return serviceUninstall(ctx, options);
  return serviceStatusCommand(ctx, options);
}

function serviceContext(ctx: CommandContext): ServiceContext {
  return { env: ctx.env, platform: process.platform, run: runCommand };
}

const NAMES = { systemd: 'systemd user service', launchd: 'LaunchAgent', schtasks: 'logon task' } as const;

function show(ctx: CommandContext, report: ServiceReport, json: boolean | undefined, lines: string[], notes: string[] = []): void {
  if (json) return print(ctx, JSON.stringify({ ...report, ...(notes.length ? { notes } : {}) }, null, 2));
  for (const line of lines) print(ctx, line);
  for (const file of report.files) print(ctx, `  ${file}`);
  if (report.installed) print(ctx, `  state: ${report.state}`);
  for (const note of notes) print(ctx, `note: ${note}`);
}

export async function serviceInstall(ctx: CommandContext, options: ServiceOptions): Promise<void> {
  const configFile = options.config ? (isAbsolute(options.config) ? options.config : resolve(ctx.cwd, options.config)) : undefined;
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(configFile ? { configFile } : {}), warn: configWarnings(ctx) });
  let socket: string | undefined;
  if (options.socket) {
    if (process.platform !== 'linux') throw new UsageError('--socket is for systemd (Linux): launchd and Task Scheduler start the daemon at login instead');
    const address = parseListenAddress(config.listen);
    if (!address || address.port === 0) throw new UsageError(`--socket needs a fixed listen port; "listen" is ${config.listen}`, 'Set "listen" to e.g. "127.0.0.1:8787" in your config.');
    socket = config.listen;
  }
  const command = launchCommand({ env: ctx.env, ...(configFile ? { configFile } : {}) });
  const service = serviceContext(ctx);
  const report = await installService(service, command, socket ? { socket } : {});
  const what = NAMES[report.kind];
  const notes = report.kind === 'systemd' ? await lingerNote(service) : [];
  show(ctx, report, options.json, [report.changed ? `Installed the ${what}${socket ? ` (socket-activated on ${socket})` : ''}:` : `The ${what} is already installed, unchanged:`], notes);
}

export async function serviceUninstall(ctx: CommandContext, options: ServiceOptions): Promise<void> {
  const report = await uninstallService(serviceContext(ctx));
  show(ctx, report, options.json, [report.changed ? `Removed the ${NAMES[report.kind]}; the daemon no longer starts at login.` : `No ${NAMES[report.kind]} is installed; nothing to remove.`]);
}

export async function serviceStatusCommand(ctx: CommandContext, options: ServiceOptions): Promise<void> {
  const service = serviceContext(ctx);
  const report = await serviceStatus(service);
  const notes = report.kind === 'systemd' && report.installed ? await lingerNote(service) : [];
  show(ctx, report, options.json, [report.installed ? `The ${NAMES[report.kind]} is installed:` : `No ${NAMES[report.kind]} is installed (\`mcp-auth-proxy service install\` adds one).`], notes);
}
