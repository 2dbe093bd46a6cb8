// `mcp-auth-proxy status`: is the daemon running, where, since when, and per
// server where it goes, whether its credential is present (never the value)
// and how the last upstream call went. Exit 0 when running, 1 when not.
import { existsSync } from 'node:fs';
import { ReportedError } from '../../errors.js';
import { print, type CommandContext } from '../context.js';
import { daemonFetch, findDaemon, type TargetOptions } from './daemon-target.js';

interface ServerStatus {
  upstream?: string;
  auth?: string;
  /** A command server: what it runs, how sessions share processes, and each process. */
  command?: string;
  sharing?: string;
  sessions?: number;
  crashes?: number;
  children?: ChildStatus[];
  credential: 'present' | 'missing';
  credentialError?: { code: string; message: string; hint?: string };
  oauth?: { loggedIn: boolean; state: string; expiresAt?: string; lastRefreshAt?: string; lastRefreshError?: string; reason?: string };
  last: { at: number; status?: number; error?: string; latencyMs: number } | null;
  /** Since the daemon started (absent until the first request). */
  counters?: { requests: number; errors: number; upstreamErrors: number; openStreams: number; signingFailures: number; credentialRejections: number; tokenRefreshes: number; tokenRefreshFailures: number };
}

interface ChildStatus {
  pid?: number;
  role: string;
  caller?: string;
  state: string;
  uptimeSeconds?: number;
  memoryBytes?: number;
  restarts: number;
  sessions: number;
}

interface Status {
  pid: number;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  servers: Record<string, ServerStatus>;
  /** Team mode: the URL agents use, and each identity method with what it depends on (JWKS, key store). */
  mode?: 'team';
  publicUrl?: string;
  identity?: Array<{ type: string; ok: boolean; detail: string }>;
  /** The policy in force, in brief. */
  policy?: { rules: number; default: 'allow' | 'deny' };
}

export async function status(ctx: CommandContext, options: TargetOptions & { json?: boolean }): Promise<void> {
  const { listen, state } = await findDaemon(ctx, options);
  let live: Status | undefined;
  if (state) {
    try {
      const response = await daemonFetch(ctx, state, '/statusz');
      if (response.ok) live = (await response.json()) as Status;
    } catch {
      live = undefined;
    }
  }
  if (!state || !live) {
    if (options.json) print(ctx, JSON.stringify({ running: false, listen, ...(state ? { pid: state.pid, problem: 'not answering' } : {}) }, null, 2));
    else print(ctx, state ? `mcp-auth-proxy (pid ${state.pid}) is not answering at ${state.url}` : `mcp-auth-proxy is not running (${listen})`);
    throw new ReportedError(1);
  }
  if (options.json) {
    print(ctx, JSON.stringify({ running: true, url: state.url, ...(state.logFile && existsSync(state.logFile) ? { logFile: state.logFile } : {}), ...live }, null, 2));
    return;
  }
  print(ctx, `mcp-auth-proxy ${live.version} is running at ${state.url} (pid ${live.pid}, up ${formatUptime(live.uptimeSeconds)})`);
  // A daemon in a terminal writes no log file: name one only when this daemon writes it.
  if (state.logFile && existsSync(state.logFile)) print(ctx, `log: ${state.logFile} (\`mcp-auth-proxy logs\` shows it)`);
  if (live.mode === 'team') {
    print(ctx, `team mode: agents connect to ${live.publicUrl}; callers prove who they are by`);
    for (const method of live.identity ?? []) print(ctx, `  ${method.ok ? 'ok  ' : 'FAIL'} ${method.type}: ${method.detail}`);
  }
  if (live.policy) print(ctx, `policy: ${live.policy.rules} rule${live.policy.rules === 1 ? '' : 's'}, default ${live.policy.default} (\`mcp-auth-proxy policy explain\` shows why a call is allowed or refused)`);
  const base = live.mode === 'team' && live.publicUrl ? live.publicUrl : state.url;
  for (const [name, server] of Object.entries(live.servers)) {
    print(ctx);
    if (server.command !== undefined) {
      printCommand(ctx, name, base, server);
      continue;
    }
    print(ctx, `${name}: ${base}/${name}/mcp → ${server.upstream}`);
    print(ctx, `  auth ${server.auth}, credential ${server.credential}${server.credentialError ? ` (${server.credentialError.message}; ${server.credentialError.hint ?? ''})` : ''}`);
    if (server.oauth) print(ctx, `  ${describeOAuth(name, server.oauth)}`);
    const last = server.last;
    print(ctx, `  last upstream call: ${last ? `${last.status ? `HTTP ${last.status}` : last.error} in ${last.latencyMs} ms, ${new Date(last.at).toISOString()}` : 'none yet'}`);
    print(ctx, `  ${describeCounters(server.counters)}`);
  }
  print(ctx);
  print(ctx, `all counters and latency histograms: ${state.url}/metrics (Prometheus)`);
}

/** A command server: what it runs, its sessions, and each of its processes with pid, uptime, memory and restarts. */
function printCommand(ctx: CommandContext, name: string, url: string, server: ServerStatus): void {
  print(ctx, `${name}: ${url}/${name}/mcp → runs ${server.command} (${server.sharing})`);
  print(ctx, `  secrets ${server.credential}${server.credentialError ? ` (${server.credentialError.message}; ${server.credentialError.hint ?? ''})` : ''}, sessions: ${server.sessions ?? 0}, crashes: ${server.crashes ?? 0}`);
  const children = server.children ?? [];
  if (children.length === 0) print(ctx, '  processes: none running (one starts with the next session)');
  for (const child of children) {
    const parts = [`pid ${child.pid ?? '-'}`, child.role === 'caller' && child.caller ? `caller ${child.caller}` : child.role, child.state];
    if (child.uptimeSeconds !== undefined) parts.push(`up ${formatUptime(child.uptimeSeconds)}`);
    if (child.memoryBytes !== undefined) parts.push(`${(child.memoryBytes / 1024 / 1024).toFixed(1)} MB`);
    parts.push(`${child.restarts} restart${child.restarts === 1 ? '' : 's'}`, `${child.sessions} session${child.sessions === 1 ? '' : 's'}`);
    print(ctx, `  process: ${parts.join(', ')}`);
  }
  const last = server.last;
  print(ctx, `  last call: ${last ? `${last.status ? `HTTP ${last.status}` : last.error} in ${last.latencyMs} ms, ${new Date(last.at).toISOString()}` : 'none yet'}`);
  print(ctx, `  ${describeCounters(server.counters)}`);
}

/** The headline counters: requests, failures of each kind (only those that happened), open streams. */
function describeCounters(c: ServerStatus['counters']): string {
  if (!c) return 'requests: 0 since start';
  const parts = [`requests: ${c.requests}`, `5xx answers: ${c.errors}`];
  if (c.upstreamErrors) parts.push(`upstream errors: ${c.upstreamErrors}`);
  if (c.credentialRejections) parts.push(`credential refused: ${c.credentialRejections}`);
  if (c.signingFailures) parts.push(`could not sign: ${c.signingFailures}`);
  if (c.tokenRefreshes || c.tokenRefreshFailures) parts.push(`token refreshes: ${c.tokenRefreshes} ok, ${c.tokenRefreshFailures} failed`);
  parts.push(`open streams: ${c.openStreams}`);
  return `${parts.join(', ')} (since start)`;
}

function describeOAuth(name: string, oauth: NonNullable<ServerStatus['oauth']>): string {
  if (!oauth.loggedIn) return `oauth: not signed in (${oauth.reason ?? 'no login'}); run \`mcp-auth-proxy login ${name}\``;
  const parts = [`oauth: signed in`];
  if (oauth.expiresAt) parts.push(`access token ${Date.parse(oauth.expiresAt) > Date.now() ? 'valid until' : 'expired at'} ${oauth.expiresAt}`);
  parts.push(oauth.lastRefreshAt ? `last refresh ${oauth.lastRefreshAt}` : 'not refreshed yet');
  if (oauth.lastRefreshError) parts.push(`last refresh error: ${oauth.lastRefreshError}`);
  return parts.join(', ');
}

function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${seconds % 60}s` : `${seconds}s`;
}
