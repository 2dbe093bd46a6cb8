// The runtime view of each configured server: for an HTTP upstream its
// parsed URL, connection pool, signer (or the reason it has none), resolved
// static headers, and the last result `status` reports; a command server's
// is in src/upstreams/stdio/. Built at start and at each reload from the
// validated config.
import http from 'node:http';
import https from 'node:https';
import { createSigner, type SignerContext } from '../auth/index.js';
import type { Signer } from '../auth/scheme.js';
import { isCommandServer } from '../config/command-values.js';
import type { Config, HttpServerConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { identityHeaderNames } from '../config/team-values.js';
import { isSecretReference } from '../secrets/reference.js';
import { fillUrl, urlReferences, withoutPlaceholders } from '../secrets/url-references.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { createStripper } from './strip.js';
import type { ProcessRecords } from '../upstreams/stdio/process-records.js';
import type { ChildMetrics } from '../upstreams/stdio/runtime.js';
import { buildCommandUpstream, refreshCommandUpstream, type CommandUpstream } from '../upstreams/stdio/upstream.js';

export interface UpstreamResult {
  at: number;
  status?: number;
  error?: string;
  latencyMs: number;
}

/** An HTTP upstream. */
export interface Upstream {
  readonly kind: 'http';
  name: string;
  config: HttpServerConfig;
  base: URL;
  /** Set when the credential resolved; otherwise `credentialError` says why. */
  signer?: Signer;
  credentialError?: AppError;
  agent: http.Agent;
  timeoutMs: number;
  heartbeatMs: number;
  staticHeaders: Record<string, string>;
  /**
   * Headers whose values the proxy sent as credentials: everything the scheme
   * sets, and static headers read from a secret reference. An upstream error
   * answer that repeats one has it redacted (error-body.ts).
   */
  credentialHeaders: readonly string[];
  strip: (headers: http.IncomingHttpHeaders) => http.IncomingHttpHeaders;
  last?: UpstreamResult;
}

/** Either kind of server the proxy serves: an HTTP upstream, or a local command (src/upstreams/stdio/). */
export type AnyUpstream = Upstream | CommandUpstream;

export interface BuildOptions {
  config: Config;
  secrets: SecretResolver;
  logger: Logger;
  now?: () => number;
  /** Counts token refreshes, and command servers' process starts and crashes (the proxy's /metrics). */
  metrics?: Pick<ProxyMetrics, 'tokenRefresh'> & Partial<ChildMetrics>;
  /** Where command servers' processes are recorded, so a later daemon can reap them. */
  records?: ProcessRecords;
  /**
   * The servers in use before a reload: an OAuth server whose URL and auth
   * are unchanged keeps its token manager (tokens refreshed in memory, a
   * refresh under way, the 401 loop guard), instead of a new one reading a
   * store that may hold an older, already rotated refresh token.
   */
  previous?: Map<string, AnyUpstream>;
  /** Where SigV4 servers without stored keys get AWS credentials (the AWS chain by default). */
  awsCredentials?: SignerContext['awsCredentials'];
}

export async function buildUpstreams(options: BuildOptions): Promise<Map<string, AnyUpstream>> {
  const upstreams = new Map<string, AnyUpstream>();
  for (const [name, server] of Object.entries(options.config.servers)) {
    if (!isCommandServer(server)) {
      upstreams.set(name, await buildUpstream(name, server, options));
      continue;
    }
    const previous = options.previous?.get(name);
    upstreams.set(
      name,
      await buildCommandUpstream(name, server, {
        secrets: options.secrets,
        logger: options.logger,
        heartbeatMs: options.config.heartbeatMs,
        ...(childMetrics(options.metrics) ? { metrics: childMetrics(options.metrics) as ChildMetrics } : {}),
        ...(options.records ? { records: options.records } : {}),
        ...(previous?.kind === 'command' ? { previous } : {}),
      }),
    );
  }
  return upstreams;
}

function childMetrics(metrics: BuildOptions['metrics']): ChildMetrics | undefined {
  return metrics?.childStarted && metrics.childCrashed && metrics.childExited ? (metrics as ChildMetrics) : undefined;
}

/**
 * The keep-alive pool of one upstream. Each client connection needs at most
 * one upstream socket at a time, and held streams keep theirs for their whole
 * life: a pool smaller than maxConnections would queue new sessions behind
 * open streams. (The bench's bare node:http proxy uses the same settings.)
 */
export function upstreamAgentOptions(maxConnections: number): http.AgentOptions {
  return { keepAlive: true, maxSockets: maxConnections, maxFreeSockets: 64, scheduling: 'lifo' };
}

async function buildUpstream(name: string, server: HttpServerConfig, options: BuildOptions): Promise<Upstream> {
  // Until its secret references are filled in (resolveCredential), a URL with them stands for where requests would go.
  const base = new URL(withoutPlaceholders(server.url));
  const agentOptions = upstreamAgentOptions(options.config.maxConnections);
  const upstream: Upstream = {
    kind: 'http',
    name,
    config: server,
    base,
    agent: base.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions),
    timeoutMs: server.timeout ?? options.config.requestTimeout,
    heartbeatMs: server.heartbeatMs ?? options.config.heartbeatMs,
    staticHeaders: {},
    credentialHeaders: [],
    strip: (headers) => headers,
  };
  Object.assign(upstream, await resolveCredential(name, server, { ...options, identityHeaders: identityHeaderNames(options.config.identity) }));
  return upstream;
}

/** What a server's auth resolves to: its signer, static headers and strip step, or why it has none. */
type CredentialParts = Pick<Upstream, 'signer' | 'credentialError' | 'staticHeaders' | 'credentialHeaders' | 'strip'> & { base?: URL };

async function resolveCredential(name: string, server: HttpServerConfig, options: Omit<BuildOptions, 'config'> & { identityHeaders: readonly string[] }): Promise<CredentialParts> {
  try {
    const staticHeaders = await resolveStaticHeaders(name, server, options.secrets);
    const base = urlReferences(server.url).length > 0 ? new URL(await resolveServerUrl(name, server, options.secrets)) : undefined;
    const kept = reusableSigner(options.previous?.get(name), server);
    const signer = kept ?? await createSigner(server.auth, {
      server: name,
      url: server.url,
      secrets: options.secrets,
      logger: options.logger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.awsCredentials ? { awsCredentials: options.awsCredentials } : {}),
      ...(options.metrics ? { onTokenRefresh: (ok: boolean) => options.metrics?.tokenRefresh(name, ok) } : {}),
    });
    const secretStatic = Object.keys(server.headers).filter((header) => isSecretReference(server.headers[header] as string)).map((header) => header.toLowerCase());
    return {
      signer,
      credentialError: undefined,
      staticHeaders,
      credentialHeaders: [...new Set([...signer.headerNames, ...secretStatic])],
      // An agent's copy of any header the proxy sets goes, in every spelling; the proxy's own is set after the strip.
      strip: createStripper([...signer.headerNames, ...Object.keys(staticHeaders), ...options.identityHeaders]),
      ...(base ? { base } : {}),
    };
  } catch (error) {
    const credentialError = error instanceof AppError ? error : new AppError('CREDENTIAL_UNAVAILABLE', String(error), { cause: error });
    options.logger.warn('server has no usable credential; its requests get 503 until fixed', {
      server: name,
      code: credentialError.code,
      error: credentialError.message,
      hint: credentialError.hint,
    });
    return { signer: undefined, credentialError, staticHeaders: {}, credentialHeaders: [], strip: createStripper(options.identityHeaders) };
  }
}

/** The OAuth signer of the same server before a reload, when its URL and auth block did not change. */
function reusableSigner(before: AnyUpstream | undefined, server: HttpServerConfig): Signer | undefined {
  if (server.auth.type !== 'oauth' || before?.kind !== 'http' || !before.signer || before.signer.type !== 'oauth') return undefined;
  return before.config.url === server.url && JSON.stringify(before.config.auth) === JSON.stringify(server.auth) ? before.signer : undefined;
}

/**
 * Reads one server's credential again (`login` or `logout` changed it) and
 * swaps it in at once: the next request signs with the new one, or gets the
 * 503 that names the fix when it is gone. The old signer stops its timers; an
 * OAuth token it held in memory is not sent again.
 */
export async function refreshCredential(upstream: AnyUpstream, server: HttpServerConfig | CommandUpstream['config'], options: Omit<BuildOptions, 'config' | 'previous'> & { identityHeaders?: readonly string[]; heartbeatMs?: number }): Promise<void> {
  if (upstream.kind === 'command') {
    if (!isCommandServer(server)) return;
    const metrics = childMetrics(options.metrics);
    return refreshCommandUpstream(upstream, server, { secrets: options.secrets, logger: options.logger, heartbeatMs: options.heartbeatMs ?? upstream.heartbeatMs, ...(metrics ? { metrics } : {}), ...(options.records ? { records: options.records } : {}) });
  }
  if (isCommandServer(server)) return;
  const parts = await resolveCredential(upstream.name, server, { ...options, identityHeaders: options.identityHeaders ?? [] });
  const old = upstream.signer;
  Object.assign(upstream, parts, { config: server });
  if (old !== parts.signer) old?.close?.();
}

/** The server's URL with the secrets its `${keychain:...}` references name filled in (each registered for redaction). */
export function resolveServerUrl(name: string, server: HttpServerConfig, secrets: SecretResolver): Promise<string> {
  return fillUrl(server.url, (reference) => secrets.resolve(reference, `servers.${name}.url`, name));
}

/** A server's static `headers`, names lower-cased, secret references resolved (and so registered for redaction). */
export async function resolveStaticHeaders(name: string, server: HttpServerConfig, secrets: SecretResolver): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(server.headers)) {
    headers[header.toLowerCase()] = isSecretReference(value) ? await secrets.resolve(value, `servers.${name}.headers.${header}`, name) : value;
  }
  return headers;
}

/**
 * Closes pools and signers; signers in `keep` (carried into the servers now
 * in use) stay running. Command servers' processes stop; the promise settles
 * once they are gone.
 */
export function destroyUpstreams(upstreams: Map<string, AnyUpstream>, keep: ReadonlySet<unknown> = new Set(), how: 'close' | 'drain' = 'close'): Promise<void> {
  const stopping: Array<Promise<void>> = [];
  for (const upstream of upstreams.values()) {
    if (upstream.kind === 'command') {
      // A reload lets a replaced command server's answers in flight finish; a stop ends its processes now.
      if (upstream.runtime && !keep.has(upstream.runtime)) stopping.push(how === 'drain' ? upstream.runtime.drain() : upstream.runtime.close());
      continue;
    }
    if (!keep.has(upstream.signer)) upstream.signer?.close?.();
    upstream.agent.destroy();
  }
  return Promise.all(stopping).then(() => undefined);
}

/** Whether requests to this upstream can be signed (a command server: started) now, and why not. */
export function credentialState(upstream: AnyUpstream): { ready: boolean; reason?: string; details?: Record<string, unknown> } {
  if (upstream.kind === 'command') return upstream.runtime ? { ready: true } : { ready: false, reason: upstream.credentialError?.message ?? 'a secret is missing' };
  if (!upstream.signer) return { ready: false, reason: upstream.credentialError?.message ?? 'no credential' };
  return upstream.signer.state?.() ?? { ready: true };
}

/** Command servers with `prewarm` start their shared process or a spare (no-op for those already up). */
export function prewarm(upstreams: Map<string, AnyUpstream>): void {
  for (const upstream of upstreams.values()) if (upstream.kind === 'command') upstream.runtime?.prewarm();
}
