// The doctor's "local callers" check: whether other programs on this machine
// can use the proxy. With clientToken on it reports what is really in force:
// the token file is checked as `start` checks it, and a running daemon is
// asked without the token (it must refuse) and with it (it must accept).
import type { Config } from '../config/schema.js';
import { clientTokenFile, readClientTokenFile } from '../daemon/client-token.js';
import { daemonRequest } from '../daemon/identity.js';
import type { DaemonState } from '../daemon/state.js';
import { fail, pass, warn, type CheckResult } from './check.js';

const NAME = 'local callers';
const RESTART = 'Restart the daemon (`mcp-auth-proxy stop`, then `mcp-auth-proxy start --detach`), then run `mcp-auth-proxy mcp-json --client NAME --write` for each HTTP agent.';

export async function localCallersCheck(config: Config, env: NodeJS.ProcessEnv, daemon: DaemonState | undefined, onToken: (token: string) => void): Promise<CheckResult> {
  if (!config.clientToken) {
    return warn(
      NAME,
      `any program of any user on this machine can use the proxy over TCP${config.socket ? ' (the socket is 0600, but the TCP listener stays open)' : ''}; browsers are kept out by the Host/Origin checks`,
      'Set "clientToken": true in your user config (mcp-json then adds the token to agent configs), or use the stdio bridge; see SECURITY in the README.',
    );
  }
  const file = await readClientTokenFile(env);
  if (file.kind === 'valid') onToken(file.token);
  if (file.kind === 'invalid') {
    return fail(NAME, `clientToken is on, but the token file ${clientTokenFile(env)} is invalid: ${file.reason}${daemon ? ' (the running daemon keeps the token it started with)' : '; the next start replaces it with a new token'}`, RESTART);
  }
  if (!daemon) {
    return pass(NAME, file.kind === 'valid' ? 'the client token is required of every caller (token file valid; the daemon is not running)' : 'the client token will be required of every caller (it is created at the first start)');
  }
  if (file.kind === 'absent') return fail(NAME, `clientToken is on, but the token file ${clientTokenFile(env)} is missing: agents and these commands cannot present the token the daemon holds`, RESTART);
  const without = await statusOf(env, daemon, false);
  if (without === 200) return fail(NAME, 'clientToken is on, but the running daemon answers callers without the token (it was started before clientToken was turned on)', RESTART);
  const withToken = await statusOf(env, daemon, true);
  if (without === 401 && withToken === 401) return fail(NAME, 'the running daemon refuses the token in the token file (the file was replaced after it started)', RESTART);
  if (without === 401 && withToken === 200) return pass(NAME, 'the client token is required of every caller (the running daemon refused a request without it)');
  return warn(NAME, `clientToken is on; the running daemon's answers could not confirm it (${without ?? 'no answer'} without the token, ${withToken ?? 'no answer'} with it)`);
}

async function statusOf(env: NodeJS.ProcessEnv, daemon: DaemonState, token: boolean): Promise<number | undefined> {
  try {
    const response = await daemonRequest(env, daemon, '/statusz', { token });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}
