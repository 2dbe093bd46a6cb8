// The doctor's view of the login service: installed or not, what the service
// manager says about it, and on Linux whether linger keeps it running without
// a login session (headless machines need `loginctl enable-linger`).
import { lingerState } from '../service/linger.js';
import { serviceStatus, type ServiceContext } from '../service/manager.js';
import { runCommand } from '../service/run-command.js';
import { pass, warn, type CheckResult } from './check.js';

export async function serviceChecks(env: NodeJS.ProcessEnv, ctx: ServiceContext = { env, platform: process.platform, run: runCommand }): Promise<CheckResult[]> {
  const report = await serviceStatus(ctx);
  if (!report.installed) return [pass('service', 'not installed (optional: `mcp-auth-proxy service install` starts the daemon at login and after a crash)')];
  const results: CheckResult[] = [];
  results.push(
    report.running === false
      ? warn('service', `${report.kind}: ${report.state}`, report.kind === 'systemd' ? 'See `systemctl --user status mcp-auth-proxy` and `mcp-auth-proxy logs`.' : report.kind === 'launchd' ? 'See `launchctl print gui/$(id -u)/dev.mcp-auth-proxy` and `mcp-auth-proxy logs`.' : 'See `schtasks /Query /TN mcp-auth-proxy /V /FO LIST` and `mcp-auth-proxy logs`.')
      : pass('service', `${report.kind}: ${report.state}`),
  );
  if (report.kind === 'systemd') {
    const linger = await lingerState(ctx);
    const user = env.USER ?? 'you';
    if (linger !== 'yes') {
      results.push(
        warn(
          'service: linger',
          `linger is ${linger === 'no' ? 'off' : 'unknown'}: systemd runs the service only while ${user} has a login session`,
          `On a headless machine (SSH only), run \`loginctl enable-linger ${user}\` so the service starts at boot and survives logout; on a desktop this is fine as is.`,
        ),
      );
    } else results.push(pass('service: linger', 'on: the service starts at boot and keeps running after logout'));
  }
  return results;
}
