// What /statusz (and so `mcp-auth-proxy status`) says about a command
// server: the command as configured (arguments with their "${NAME}", never a
// value), its sharing, sessions, and each process with its pid, uptime,
// memory and restarts.
import type { CommandUpstream } from './upstream.js';

export function commandStatus(upstream: CommandUpstream): Record<string, unknown> {
  const { config, runtime, credentialError } = upstream;
  return {
    command: [config.command, ...config.args].map(quoted).join(' '),
    sharing: config.sharing,
    credential: runtime ? 'present' : 'missing',
    ...(credentialError ? { credentialError: { code: credentialError.code, message: credentialError.message, hint: credentialError.hint } } : {}),
    ...(runtime ? runtime.describe() : { sessions: 0, starts: 0, crashes: 0, children: [] }),
    last: upstream.last ?? null,
  };
}

/** An argument as a reader tells it apart (quoted when it holds spaces or quotes). */
export function quoted(arg: string): string {
  return /^[\w@%+=:,./\\${}-]+$/.test(arg) ? arg : JSON.stringify(arg);
}
