// Reload on SIGHUP (`mcp-auth-proxy reload`): read the config layers and the
// secrets again and swap in the new servers for new requests, while requests
// and streams in flight finish on the old ones. An invalid new config is
// refused with its problems logged and reported in /statusz; the old one stays.
// A valid one whose servers cannot all sign (no usable credential) is applied,
// and those servers are reported as failed.
import type { CommandContext } from '../cli/context.js';
import type { FlagValues } from '../config/load.js';
import { loadConfigIsolated } from '../config/load-isolated.js';
import { identityHeaderNames } from '../config/team-values.js';
import { isCommandServer } from '../config/command-values.js';
import type { Config, ServerConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { CredentialReport } from '../proxy/handler.js';
import { buildUpstreams, credentialState, prewarm, refreshCredential, type AnyUpstream } from '../proxy/upstreams.js';
import { auditChanged, openAudit } from './audit.js';
import type { RunningProxy } from '../proxy/server.js';
import type { SecretResolver } from '../secrets/resolve.js';

export interface ReloadInput {
  ctx: CommandContext;
  options: FlagValues & { config?: string };
  proxy: RunningProxy;
  logger: Logger;
  current: Config;
  openSecrets: () => SecretResolver;
  /** Where the audit log goes. */
  stateDir: string;
  /** Told the config now in force after a reload that refreshServerCredential ran itself. */
  onReloaded?: (config: Config) => void;
}

/** Settings read once at start: changing them takes a restart. */
const FIXED = ['listen', 'allowRemote', 'socket', 'clientToken', 'maxConnections', 'headersTimeout', 'idleTimeout', 'shutdownTimeout', 'publicUrl', 'tls'] as const;

/** Returns the config now in force when the reload took, undefined when it was refused. */
export async function reloadProxy(input: ReloadInput): Promise<Config | undefined> {
  const { ctx, options, proxy, logger, current } = input;
  const at = new Date().toISOString();
  logger.info('reloading: reading the config and secrets again');
  let next: Config;
  try {
    next = (await loadConfigIsolated({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), flags: options, warn: (m) => logger.warn(m) })).config;
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.map((p) => `${p.source}: ${p.path || '(root)'}: ${p.message}`) : [String(error)];
    logger.error('reload refused: the new config is invalid; the running config stays', { problems });
    proxy.info.lastReload = { at, ok: false, applied: false, problems };
    return undefined;
  }
  if (next.mode !== current.mode) {
    // Who may call, and as whom requests go: never switched under callers in flight.
    const problems = [`mode changed from "${current.mode}" to "${next.mode}": restart the proxy to switch modes`];
    logger.error('reload refused; the running config stays', { problems });
    proxy.info.lastReload = { at, ok: false, applied: false, problems };
    return undefined;
  }
  for (const field of FIXED) {
    if (JSON.stringify(next[field]) !== JSON.stringify(current[field])) logger.warn(`${field} changed; it takes effect on restart`, { field });
  }
  let upstreams: Awaited<ReturnType<typeof buildUpstreams>>;
  try {
    upstreams = await buildUpstreams({ config: next, secrets: input.openSecrets(), logger, metrics: proxy.metrics, previous: proxy.upstreams, ...(proxy.records ? { records: proxy.records } : {}) });
  } catch (error) {
    logger.error('reload failed while building the servers; the running config stays', { error: String(error) });
    proxy.info.lastReload = { at, ok: false, applied: false, problems: [String(error)] };
    return undefined;
  }
  let audit = proxy.audit;
  if (auditChanged(current, next)) {
    try {
      audit = await openAudit(next, { dir: input.stateDir, redactor: input.ctx.redactor, logger });
      if (!audit) logger.info('audit log off');
    } catch (error) {
      logger.error('reload failed while opening the audit log; the running config stays', { error: String(error) });
      proxy.info.lastReload = { at, ok: false, applied: false, problems: [String(error)] };
      return undefined;
    }
  }
  proxy.reload(next, upstreams, audit);
  prewarm(upstreams);
  logger.level = next.logLevel;
  // Served, but not usable: a server whose credential did not resolve (a secret file turned unreadable or loose) failed.
  const failed = [...upstreams.values()].flatMap((u) => {
    const state = credentialState(u);
    if (state.ready) return [];
    const error = u.credentialError;
    return [{ server: u.name, ...(error ? { code: error.code } : {}), message: state.reason ?? 'no usable credential', ...(error?.hint ? { hint: error.hint } : {}) }];
  });
  if (failed.length) logger.error('reloaded, but some servers have no usable credential: their requests get 503', { failed });
  else logger.info('reloaded', { servers: [...upstreams.keys()] });
  proxy.info.lastReload = {
    at,
    ok: failed.length === 0,
    applied: true,
    ...(failed.length ? { failed, problems: failed.map((f) => `${f.server}: ${f.message}`) } : {}),
  };
  return next;
}

/**
 * `login` or `logout` changed one server's credential (POST /credentialz):
 * read the config and that credential again. A server with the same upstream
 * gets its new credential in place; a new server, or one whose upstream
 * changed, takes a full reload. Returns the server's state as the answer.
 */
export async function refreshServerCredential(input: ReloadInput, name: string): Promise<CredentialReport> {
  const { ctx, options, proxy, logger } = input;
  let next: Config;
  try {
    next = (await loadConfigIsolated({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), flags: options })).config;
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.map((p) => `${p.source}: ${p.path || '(root)'}: ${p.message}`) : [String(error)];
    return { status: 409, body: { server: name, error: { message: `the config is invalid now, so nothing changed: ${problems.join('; ')}` } } };
  }
  const server = next.servers[name];
  if (!server) return { status: 404, body: { server: name, error: { message: `no server named "${name}" in the config this proxy reads` } } };
  const current = proxy.upstreams.get(name);
  if (!current || !sameShape(current, server)) {
    logger.info('a login changed a server this proxy does not serve as configured: reloading', { server: name });
    const reloaded = await reloadProxy(input);
    if (!reloaded) return { status: 409, body: { server: name, error: { message: 'the reload was refused; see the daemon log' } } };
    input.onReloaded?.(reloaded);
  } else {
    await refreshCredential(current, server, { secrets: input.openSecrets(), logger, metrics: proxy.metrics, identityHeaders: identityHeaderNames(next.identity), heartbeatMs: next.heartbeatMs, ...(proxy.records ? { records: proxy.records } : {}) });
    prewarm(proxy.upstreams);
    logger.info('credential read again after login/logout', { server: name, present: hasCredential(current) });
  }
  const upstream = proxy.upstreams.get(name);
  const state = upstream ? credentialState(upstream) : { ready: false, reason: 'not served' };
  return { status: 200, body: { server: name, credential: upstream && hasCredential(upstream) ? 'present' : 'missing', ready: state.ready, ...(state.reason ? { reason: state.reason } : {}) } };
}

/** Whether a login's change can be taken in place: the same upstream (a command server: the same entry but for secret values). */
function sameShape(current: AnyUpstream, server: ServerConfig): boolean {
  if (current.kind === 'command') return isCommandServer(server) && JSON.stringify(current.config) === JSON.stringify(server);
  return !isCommandServer(server) && current.config.url === server.url && current.config.transport === server.transport;
}

function hasCredential(upstream: AnyUpstream): boolean {
  return upstream.kind === 'command' ? upstream.runtime !== undefined : upstream.signer !== undefined;
}
