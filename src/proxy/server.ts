// The local listener: binds (loopback unless allowed otherwise, plus an
// optional 0600 Unix socket), serves the handler, refuses CONNECT, swaps in
// new servers on reload without touching requests in flight, and shuts down
// in stages: stop accepting, end held streams, let in-flight requests finish
// for a bounded time, then force. close() is safe to call more than once.
import { X509Certificate } from 'node:crypto';
import { chmod, lstat, rm } from 'node:fs/promises';
import net from 'node:net';
import http, { type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { formatHostPort, isLoopbackHost, parseListenAddress } from '../config/listen-address.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import { infoLineWriter, type Logger } from '../observability/logger.js';
import { createMetrics, type ProxyMetrics } from '../observability/metrics.js';
import type { Redactor } from '../observability/redact.js';
import { createForwarder } from './forward.js';
import type { TlsMaterial } from '../daemon/tls.js';
import { createGuard } from './guard.js';
import { createHandler, failRequest, type CredentialReport, type Handler } from './handler.js';
import type { TeamAccess } from './identify.js';
import { createLegacySse } from './legacy-sse.js';
import { compilePolicy } from '../policy/compile.js';
import { createRecorder, type Audit } from './record.js';
import { destroyUpstreams, type AnyUpstream } from './upstreams.js';
import type { ProcessRecords } from '../upstreams/stdio/process-records.js';

export interface ProxyServerOptions {
  config: Config;
  upstreams: Map<string, AnyUpstream>;
  logger: Logger;
  version?: string;
  /** Required from every caller when set (config `clientToken`). */
  clientToken?: string;
  /** The opt-in audit log (config `audit`); a reload may swap it. */
  audit?: Audit;
  /** Defaults to a fresh registry with process metrics. */
  metrics?: ProxyMetrics;
  /** The secrets' redactor: every answer the proxy writes itself goes through it. */
  redactor?: Redactor;
  /** Team mode's HTTPS certificate and key (config `tls`, loaded by src/daemon/tls.ts). */
  tls?: TlsMaterial;
  /** Where team mode's key store is by default (the XDG state directory). */
  env?: NodeJS.ProcessEnv;
  /** A listening socket passed by systemd socket activation (fd 3), served instead of binding `listen`. */
  listenFd?: number;
  /** Told once, at the first request that is not a local probe (the readiness check of `start --detach`, `status`). */
  onFirstAgentRequest?: () => void;
  /** Where command servers' processes are recorded (a reload's new servers record theirs there too). */
  records?: ProcessRecords;
}

export interface RunningProxy {
  /** e.g. http://127.0.0.1:8787 */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The HTTPS listener's certificate (SHA-256 fingerprint), recorded so the CLI can pin it. */
  readonly tlsFingerprint: string | undefined;
  readonly upstreams: Map<string, AnyUpstream>;
  /** What /statusz reports about the process; `lastReload` is set by whoever reloads. */
  readonly info: ProcessInfo;
  readonly metrics: ProxyMetrics;
  /** The audit in force (config `audit`), if on. */
  readonly audit: Audit | undefined;
  /** Where command servers' processes are recorded. */
  readonly records: ProcessRecords | undefined;
  /** Serves new requests with these servers (and audit log); requests and streams in flight keep the old ones. */
  reload(config: Config, upstreams: Map<string, AnyUpstream>, audit?: Audit): void;
  /** What POST /credentialz runs (login and logout ask for it); without one the route answers 501. */
  setCredentialRefresher(refresh: (server: string) => Promise<CredentialReport>): void;
  close(): Promise<void>;
}

export interface ProcessInfo {
  version: string;
  startedAt: string;
  lastReload?: ReloadResult;
  /** Whether SIGHUP reloads this process (false in a terminal, where it means the terminal closed). */
  reloadable?: boolean;
  /** The policy in force, in brief (absent: none, everything allowed). */
  policy?: { rules: number; default: 'allow' | 'deny' };
}

/** How the last reload went: `applied` when the new config is in force; `ok` when, besides, every server can sign. */
export interface ReloadResult {
  at: string;
  ok: boolean;
  applied?: boolean;
  problems?: string[];
  /** Servers served without a usable credential after the reload (their requests get 503). */
  failed?: Array<{ server: string; code?: string; message: string; hint?: string }>;
}

const MAX_HEADER_BYTES = 16 * 1024;
/** How long an audit log replaced by a reload stays open for the tool calls that started before it. */
const AUDIT_RETIRE_MS = 5 * 60_000;

export async function startProxyServer(options: ProxyServerOptions): Promise<RunningProxy> {
  const { config, logger } = options;
  let upstreams = options.upstreams;
  const retired: Array<Map<string, AnyUpstream>> = [];
  const address = parseListenAddress(config.listen);
  if (!address) throw new AppError('CONFIG_INVALID', `listen "${config.listen}" is not host:port`, { exitCode: 2 });

  const metrics = options.metrics ?? createMetrics();
  let audit = options.audit;
  /** Held streams and how to end each; `standing` ones (no answer in them) end once the answers are done. */
  const streams = new Map<ServerResponse, { close: () => void; standing: boolean }>();
  const trackStream = (res: ServerResponse, server: string, close: () => void, standing: boolean) => {
    streams.set(res, { close, standing });
    metrics.streamOpened(server);
    res.once('close', () => {
      streams.delete(res);
      metrics.streamClosed(server);
    });
  };
  const redact = (text: string) => options.redactor?.redact(text) ?? text;
  const forwarder = createForwarder({ logger, metrics, trackStream, redact });
  const legacy = createLegacySse({ logger, trackStream, redact });
  const recorder = createRecorder({ metrics, accessLog: infoLineWriter(logger), audit: () => audit });
  let accepting = true;
  // Every open connection, so a stop can close the ones with nothing in progress.
  const connections = new Set<Socket>();
  const tcp = createListener(config, connections, options.tls);
  // Socket activation: systemd already bound the address and passed the listening socket (see src/service/).
  if (options.listenFd === undefined) await listenTcp(tcp, address.host, address.port);
  else await adoptListener(tcp, options.listenFd, config.allowRemote || config.mode === 'team');
  const bound = tcp.address() as AddressInfo;
  // The guard needs the bound port (0 in the config means an ephemeral one), so requests are served from here on.
  const info: ProcessInfo = { version: options.version ?? 'dev', startedAt: new Date().toISOString() };
  if (config.policy) info.policy = { rules: config.policy.rules.length, default: config.policy.default };
  let refresher: ((server: string) => Promise<CredentialReport>) | undefined;
  const refreshCredential = (server: string) => refresher?.(server);
  const scheme = options.tls ? 'https' : 'http';
  // An all-interfaces bind is reached over loopback: the URL recorded for `status` and `stop` must pass the Host check.
  const reachAt = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  const listenUrl = `${scheme}://${formatHostPort(reachAt, bound.port)}`;
  // Team mode: callers prove who they are; rebuilt when a reload changes the identity methods or trusted proxies.
  let team: TeamAccess | undefined;
  // Loaded in team mode only (a reload cannot switch modes): a local daemon never holds the identity methods.
  const { createTeamAccess } = config.mode === 'team' ? await import('./identify.js') : { createTeamAccess: undefined };
  const buildTeam = (from: Config) => (from.mode === 'team' && createTeamAccess ? createTeamAccess({ config: from, listenUrl, env: options.env ?? process.env, onResult: (method, result) => metrics.authentication(method, result), ...(team ? { sessions: team.sessions } : {}) }) : undefined);
  team = buildTeam(config);
  let teamConfig = config;
  const commandHost = { trackStream, redact };
  // The policy, compiled once per config: a reload swaps it for new requests.
  let policy = config.policy ? compilePolicy(config.policy) : undefined;
  const policyInBrief = (from: Config) => (from.policy ? { rules: from.policy.rules.length, default: from.policy.default } : undefined);
  const shared = { routes: routesOf(config, upstreams), upstreams, forwarder, commandHost, legacy, logger, metrics, recorder, maxBodyBytes: config.maxBodyBytes, isReady: () => accepting, info, refreshCredential, redact, team: () => team, policy: () => policy };
  const guardOptions = {
    ...(options.clientToken === undefined ? {} : { clientToken: options.clientToken }),
    ...(config.mode === 'team' ? { team: { publicUrl: team?.publicBase ?? listenUrl } } : {}),
    ...(options.tls ? { https: true } : {}),
  };
  const handlers: Handler[] = [createHandler({ ...shared, guard: createGuard(address.host, bound.port, guardOptions) })];
  serve(tcp, handlers[0] as Handler, logger);
  const servers = [tcp];
  let socketIno: number | undefined;
  if (config.socket) {
    const unix = createListener(config, connections);
    try {
      await listenSocket(unix, config.socket);
    } catch (error) {
      // Nothing half-started: the TCP listener goes too.
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      throw error;
    }
    socketIno = (await lstat(config.socket)).ino;
    const handler = createHandler({ ...shared, guard: createGuard(address.host, bound.port, { ...guardOptions, socket: true }) });
    handlers.push(handler);
    serve(unix, handler, logger);
    servers.push(unix);
  }
  const url = listenUrl;
  if (options.onFirstAgentRequest) whenAgentsCome(servers, options.onFirstAgentRequest);

  // A replaced audit log stays open a while for tool calls still in flight (they recorded to it at their start).
  const closingAudits = new Set<Audit>();
  const retireAudit = (old: Audit) => {
    closingAudits.add(old);
    setTimeout(() => {
      closingAudits.delete(old);
      void old.log.close();
    }, AUDIT_RETIRE_MS).unref();
  };

  let closing: Promise<void> | undefined;
  /**
   * Staged: stop accepting; let the answers in progress finish (a tool call
   * answered over SSE included, and the requests an agent makes to complete
   * one, such as a sampling answer, on connections already open), up to
   * shutdownTimeout; then end the standing streams (GET streams, legacy SSE);
   * whatever is still open at shutdownTimeout is cut.
   */
  const close = () => {
    closing ??= (async () => {
      accepting = false;
      const stopped = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const s of servers) s.closeIdleConnections();
      let standingEnded = false;
      const endStanding = () => {
        standingEnded = true;
        for (const stream of streams.values()) if (stream.standing) stream.close();
      };
      // closeIdleConnections only closes what is idle at the call: keep-alive connections whose answer ends during
      // the drain go idle later, and would otherwise hold the close until the force.
      const sweep = setInterval(() => {
        for (const s of servers) s.closeIdleConnections();
        // Node counts a connection that never sent a request (clients open spares) as busy: those go too.
        for (const socket of connections) if (!busy(socket)) socket.destroy();
        if (!standingEnded && answersDone()) endStanding();
      }, 25);
      sweep.unref();
      if (answersDone()) endStanding();
      const force = setTimeout(() => {
        endStanding();
        servers.forEach((s) => s.closeAllConnections());
      }, config.shutdownTimeout);
      force.unref();
      await stopped;
      clearInterval(sweep);
      clearTimeout(force);
      // Command servers' processes (the whole group of each) are gone before the proxy says it stopped.
      await Promise.all([...retired, upstreams].map((old) => destroyUpstreams(old)));
      team?.close();
      // Lines of requests that finished while draining are in the queue: write them out.
      await Promise.all([...closingAudits, audit].map((a) => a?.log.close()));
      // Only our own socket: the inode bound at start, not whatever replaced it since.
      if (config.socket && socketIno !== undefined && (await lstat(config.socket).catch(() => undefined))?.ino === socketIno) await rm(config.socket, { force: true });
    })();
    return closing;
  };

  /** No connection is busy with anything but a standing stream. */
  const answersDone = () => {
    for (const socket of connections) {
      const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (current && !streams.get(current)?.standing) return false;
    }
    return true;
  };

  return {
    url,
    port: bound.port,
    host: address.host,
    tlsFingerprint: options.tls ? new X509Certificate(options.tls.cert).fingerprint256 : undefined,
    info,
    metrics,
    get upstreams() {
      return upstreams;
    },
    get audit() {
      return audit;
    },
    records: options.records,
    reload(next, nextUpstreams, nextAudit) {
      if (audit && audit !== nextAudit) retireAudit(audit);
      if (team && (JSON.stringify(next.identity) !== JSON.stringify(teamConfig.identity) || JSON.stringify(next.trustedProxies) !== JSON.stringify(teamConfig.trustedProxies))) {
        // New identity methods for new requests; the sessions' owners carry over.
        const old = team;
        team = buildTeam(next);
        old.close();
        teamConfig = next;
      }
      audit = nextAudit;
      policy = next.policy ? compilePolicy(next.policy) : undefined;
      info.policy = policyInBrief(next);
      for (const handler of handlers) handler.update(nextUpstreams, routesOf(next, nextUpstreams), next.maxBodyBytes);
      // Old servers stop their timers (but for OAuth signers carried over); their pools stay while streams in flight use them.
      // A command server whose process would start differently now drains: answers in flight finish, then its processes stop.
      const kept = new Set<unknown>([...nextUpstreams.values()].map((u) => (u.kind === 'command' ? u.runtime : u.signer)));
      for (const upstream of upstreams.values()) if (upstream.kind === 'http' && !kept.has(upstream.signer)) upstream.signer?.close?.();
      void destroyUpstreams(new Map([...upstreams].filter(([, u]) => u.kind === 'command')), kept, 'drain');
      retired.push(upstreams);
      upstreams = nextUpstreams;
      // Pools of earlier reloads with nothing in use any more are released now.
      for (const old of [...retired]) {
        if ([...old.values()].every((u) => u.kind === 'command' || Object.values(u.agent.sockets).every((list) => !list || list.length === 0))) {
          void destroyUpstreams(old, kept, 'drain');
          retired.splice(retired.indexOf(old), 1);
        }
      }
    },
    setCredentialRefresher(refresh) {
      refresher = refresh;
    },
    close,
  };
}

/** Whether a connection has a response in progress (Node keeps the current one on the socket). */
function busy(socket: Socket): boolean {
  return (socket as Socket & { _httpMessage?: unknown })._httpMessage != null;
}

function createListener(config: Config, connections: Set<Socket>, tls?: TlsMaterial): http.Server {
  // Node checks header and request timeouts only every connectionsCheckingInterval (30 s by default):
  // check often enough that a slow-loris connection goes at about headersTimeout, not 30 s later.
  const checkEvery = Math.max(100, Math.min(5_000, Math.floor(config.headersTimeout / 4)));
  const settings = { maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: checkEvery };
  // https.Server is an http.Server underneath (same request events and timeouts); TLS 1.2 at least.
  const server: http.Server = tls ? https.createServer({ ...settings, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }) : http.createServer(settings);
  server.headersTimeout = config.headersTimeout;
  server.requestTimeout = Math.max(config.headersTimeout, 30_000);
  server.keepAliveTimeout = config.idleTimeout;
  server.maxConnections = config.maxConnections;
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  return server;
}

/** Requests that only look at the daemon (health, status), not agents' traffic. */
const PROBES = new Set(['/healthz', '/readyz', '/statusz']);

/** Calls `told` at the first agent request; the listener then leaves, so later requests pay nothing for it. */
function whenAgentsCome(servers: http.Server[], told: () => void): void {
  const first = (req: http.IncomingMessage) => {
    if (PROBES.has(req.url ?? '')) return;
    for (const server of servers) server.off('request', first);
    told();
  };
  for (const server of servers) server.prependListener('request', first);
}

function serve(server: http.Server, handle: Handler, logger: Logger): void {
  server.on('request', (req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      failRequest(res, logger, error);
    }
  });
  // Malformed requests (bad framing, Content-Length with Transfer-Encoding, oversized headers): 400, never forwarded.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && error.code !== 'ECONNRESET') {
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    } else socket.destroy();
  });
  // Not an open proxy: CONNECT tunnels are refused.
  server.on('connect', (_req, socket: Socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nallow: GET, POST, DELETE\r\nconnection: close\r\n\r\n');
  });
}

/** Serves on a listening socket this process inherited; a non-loopback one needs allowRemote, as a configured address would. */
function adoptListener(server: http.Server, fd: number, allowRemote: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new AppError('LISTEN_FAILED', `Cannot serve on the socket passed as fd ${fd}: ${error.code ?? error.message}`, { hint: 'Check the socket unit (`systemctl --user status mcp-auth-proxy.socket`)', cause: error })));
    server.listen({ fd }, () => {
      const bound = server.address() as AddressInfo | null;
      if (!bound || typeof bound !== 'object' || (!allowRemote && !isLoopbackHost(bound.address))) {
        server.close();
        reject(new AppError('LISTEN_FAILED', `The socket passed as fd ${fd} is not a loopback TCP socket (${bound ? bound.address : 'unknown'})`, { hint: 'ListenStream in the socket unit must be a loopback address such as 127.0.0.1:8787 (or set allowRemote).' }));
        return;
      }
      server.removeAllListeners('error');
      resolve();
    });
  });
}

function listenTcp(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = formatHostPort(host, port);
      if (error.code === 'EADDRINUSE') {
        reject(new AppError('PORT_IN_USE', `Cannot listen on ${where}: port ${port} is already in use`, {
          hint: `Stop whatever holds port ${port}, or choose another with --listen 127.0.0.1:PORT`,
          cause: error,
        }));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES') {
        reject(new AppError('LISTEN_FAILED', `Cannot listen on ${where}: ${error.code}`, { hint: 'Check the listen address', cause: error }));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * A Unix socket only this user can connect to (0600). Whatever is at the path
 * is removed only when it is a socket nobody answers on (left by a crash):
 * never a regular file, never a live daemon's socket.
 */
async function listenSocket(server: http.Server, path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    if (!existing.isSocket()) {
      throw new AppError('LISTEN_FAILED', `Cannot listen on the socket ${path}: something that is not a socket is there`, { hint: 'Choose another path for "socket"' });
    }
    if (await answers(path)) throw new AppError('LISTEN_FAILED', `Cannot listen on the socket ${path}: another process is serving it`, { hint: 'Stop it, or choose another path for "socket"' });
    await rm(path, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new AppError('LISTEN_FAILED', `Cannot listen on the socket ${path}: ${error.code ?? error.message}`, { hint: 'Check the directory exists and is yours', cause: error })),
    );
    // Created with no permissions for others from the first moment, then set to exactly 0600.
    const mask = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(mask);
    }
  });
  await chmod(path, 0o600);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path, () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function routesOf(config: Config, upstreams: Map<string, AnyUpstream>) {
  return { servers: new Set(upstreams.keys()), defaultServer: defaultServerOf(config) };
}

export function defaultServerOf(config: Config): string | undefined {
  if (config.defaultServer) return config.defaultServer;
  const names = Object.keys(config.servers);
  return names.length === 1 ? names[0] : undefined;
}
