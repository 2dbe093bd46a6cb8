// `mcp-auth-proxy stdio <server>`: JSON-RPC on stdin/stdout for agents that
// only launch commands, relayed to the upstream with the server's auth over
// the SDK's client transports (Streamable HTTP with sessions, SSE answers,
// the GET stream and resumption; or the legacy HTTP+SSE pair, configured or
// detected). stdout carries nothing but JSON-RPC. Messages go upstream as
// they come (a slow call holds up nothing else), but in order around the
// handshake: nothing follows an `initialize` upstream until its answer (which
// carries the session), and after `initialized` the GET stream is open before
// anything else goes, so a server message sent right away is not lost. Every
// request the upstream cannot take is answered with an error. When stdin
// closes (or a signal comes) the upstream session is deleted and the bridge
// ends. With a policy, calls it denies are answered here and lists filtered.
import type { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Signer } from '../auth/scheme.js';
import type { HttpServerConfig } from '../config/schema.js';
import type { BridgeLogger } from './lazy-logger.js';
import type { Redactor } from '../observability/redact.js';
import { ModernHeaders } from './modern-headers.js';
import type { BridgePolicy } from './policy-messages.js';
import { redactingOutput } from './redacting-output.js';
import { createSignedFetch } from './signed-fetch.js';

export interface BridgeOptions {
  name: string;
  server: HttpServerConfig;
  signer: Signer;
  staticHeaders: Record<string, string>;
  logger: BridgeLogger;
  /** How long connecting the legacy SSE stream may take. */
  connectTimeoutMs: number;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** Every secret value this process resolved: taken out of everything written to stdout. */
  redactor?: Redactor;
  fetch?: typeof fetch;
  /** The config's policy (for the local user): denied calls answered here, lists filtered. */
  policy?: BridgePolicy;
}

/** Bridge-level JSON-RPC error for a request the upstream could not take. */
const UPSTREAM_ERROR = -32002;
/** At exit: how long in-flight messages and the session DELETE may take. */
const EXIT_GRACE_MS = 5_000;

type Kind = 'sse' | 'streamable-http';
type LegacyTransport = typeof SSEClientTransport;
type Message = { id?: unknown; method?: unknown; result?: { protocolVersion?: unknown } };

export async function runBridge(options: BridgeOptions): Promise<void> {
  const { name, server, logger } = options;
  const stdin = options.stdin ?? process.stdin;
  const modern = new ModernHeaders();
  const handshake = new Handshake(options.connectTimeoutMs);
  const signedFetch = handshake.watch(createSignedFetch({ signer: options.signer, staticHeaders: options.staticHeaders, modern, ...(options.fetch ? { fetch: options.fetch } : {}) }));
  const stdout = options.stdout ?? process.stdout;
  const local = new StdioServerTransport(stdin as never, (options.redactor ? redactingOutput(stdout, options.redactor) : stdout) as never);
  const url = new URL(server.url);
  const toolListIds = new Set<unknown>();
  const inFlight = new Set<Promise<void>>();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  /** Set once the upstream answered over Streamable HTTP: from then on a 404 means an expired session, not a legacy server. */
  let streamableWorked = false;
  let kind: Kind = server.transport === 'sse' ? 'sse' : 'streamable-http';
  const streamableTransport = (): Transport => new StreamableHTTPClientTransport(url, { fetch: signedFetch });
  const legacyTransport = (Legacy: LegacyTransport): Transport => new Legacy(url, { fetch: signedFetch, eventSourceInit: { fetch: signedFetch } });
  let upstream = kind === 'sse' ? connect('sse', legacyTransport(await loadLegacy())) : connect('streamable-http', streamableTransport());

  function connect(next: Kind, transport: Transport): { transport: Transport; started: Promise<void> } {
    transport.onmessage = (message) => {
      if (next === 'streamable-http') streamableWorked = true;
      const answer = message as Message;
      handshake.answered(answer.id);
      if (typeof answer.result?.protocolVersion === 'string' && answer.id !== undefined) transport.setProtocolVersion?.(answer.result.protocolVersion);
      const listed = answer.id !== undefined && toolListIds.delete(answer.id);
      const observed = listed ? modern.observe(message, (tool, reason) => logger.warn('dropped a tool whose x-mcp-header annotations are invalid', { server: name, tool, reason })) : message;
      const passed = options.policy ? options.policy.filter(observed) : observed;
      local.send(passed).catch((error: unknown) => logger.warn('could not write to stdout', { error: String(error) }));
    };
    transport.onerror = (error) => logger.warn('upstream transport error', { server: name, error: error.message });
    if (next === 'sse') {
      // The legacy stream carries the session: once it is gone, nothing the agent sends can be answered.
      transport.onclose = () => {
        logger.warn('the upstream SSE stream closed; ending the bridge so the agent can start a new one', { server: name });
        finish();
      };
    }
    return { transport, started: withTimeout(transport.start(), options.connectTimeoutMs, `connecting to ${url.origin} took longer than ${options.connectTimeoutMs} ms`) };
  }

  /** A request the upstream could not take still gets an answer, so the agent is never left waiting. */
  function answerFailure(message: JSONRPCMessage, error: unknown): void {
    const request = message as Message;
    const failure = error as { message?: string; hint?: string };
    const text = failure.hint ? `${failure.message}. ${failure.hint}` : (failure.message ?? String(error));
    logger.warn('upstream refused a message', { server: name, method: request.method, error: text });
    if (request.id === undefined || typeof request.method !== 'string') return;
    const hint = error instanceof StreamableHTTPError && error.code === 404 ? ' (the session expired: initialize again)' : '';
    local
      .send({ jsonrpc: '2.0', id: request.id as string | number, error: { code: UPSTREAM_ERROR, message: `Upstream "${name}": ${text}${hint}`, data: { server: name } } })
      .catch(() => undefined);
  }

  async function send(message: JSONRPCMessage): Promise<void> {
    const isInitialize = (message as Message).method === 'initialize';
    if (isInitialize && kind === 'streamable-http' && (upstream.transport as StreamableHTTPClientTransport).sessionId !== undefined) {
      // A new initialize starts a new session: a fresh transport drops the old (maybe expired) session id.
      void upstream.transport.close().catch(() => undefined);
      upstream = connect('streamable-http', streamableTransport());
    }
    await upstream.started;
    try {
      await upstream.transport.send(message);
    } catch (error) {
      // A server that never spoke Streamable HTTP and answers initialize 404/405 is a legacy HTTP+SSE one.
      const legacy = isInitialize && kind === 'streamable-http' && !streamableWorked && error instanceof StreamableHTTPError && (error.code === 404 || error.code === 405);
      if (!legacy) throw error;
      const Legacy = await loadLegacy();
      logger.info('upstream does not speak Streamable HTTP; using the legacy HTTP+SSE transport', { server: name });
      void upstream.transport.close().catch(() => undefined);
      kind = 'sse';
      upstream = connect('sse', legacyTransport(Legacy));
      await upstream.started;
      await upstream.transport.send(message);
    }
  }

  local.onmessage = (message) => {
    const refusal = options.policy?.refusal(message);
    if (refusal !== undefined) {
      logger.info('the policy refused a call', { server: name, method: (message as Message).method });
      if (refusal) local.send(refusal as JSONRPCMessage).catch((error: unknown) => logger.warn('could not write to stdout', { error: String(error) }));
      return;
    }
    const request = message as Message;
    if (request.method === 'tools/list' && request.id !== undefined) toolListIds.add(request.id);
    const sending = handshake.next(request, () => send(message), () => kind === 'streamable-http').catch((error: unknown) => answerFailure(message, error));
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  };
  local.onerror = (error) => logger.warn('unreadable message on stdin', { error: error.message });
  // The SDK closes the stdio transport on an oversized line: that ends the bridge too.
  local.onclose = () => finish();

  upstream.started.catch((error: unknown) => logger.warn('could not connect upstream; requests will get the reason', { server: name, error: (error as Error).message }));
  await local.start();
  logger.debug('stdio bridge ready', { server: name, upstream: url.origin });
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const signal of signals) process.once(signal, finish);
  stdin.once('end', finish);
  stdin.once('close', finish);
  await finished;
  for (const signal of signals) process.off(signal, finish);

  await withTimeout(Promise.allSettled([...inFlight]), EXIT_GRACE_MS, '').catch(() => undefined);
  const transport = upstream.transport;
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
    await withTimeout(transport.terminateSession(), EXIT_GRACE_MS, 'ending the session took too long').catch((error: unknown) =>
      logger.warn('could not end the upstream session', { server: name, error: String(error) }),
    );
  }
  await transport.close().catch(() => undefined);
  await local.close();
}

/** The legacy HTTP+SSE transport, loaded only for a server that needs it (most speak Streamable HTTP). */
async function loadLegacy(): Promise<LegacyTransport> {
  return (await import('@modelcontextprotocol/sdk/client/sse.js')).SSEClientTransport;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Orders what goes upstream around the handshake. Messages wait for the gate
 * in the order they came; an `initialize` closes it until its answer arrives
 * (or its sending fails), a Streamable HTTP `notifications/initialized` until
 * the GET stream it starts has its answer. A gate never stays shut longer than
 * `limitMs`: a server that never answers holds nothing up for good.
 */
class Handshake {
  private gate: Promise<void> = Promise.resolve();
  private readonly initializing = new Map<unknown, () => void>();
  private getSettled: (() => void) | undefined;

  constructor(private readonly limitMs: number) {}

  /** Sends `message` once the gate is open; returns the sending. */
  next(message: Message, send: () => Promise<void>, streamable: () => boolean): Promise<void> {
    const ready = this.gate;
    const sending = ready.then(send);
    if (message.method === 'initialize' && message.id !== undefined) {
      const answered = new Promise<void>((resolve) => this.initializing.set(message.id, resolve));
      this.gate = this.bounded(Promise.race([answered, sending.then(() => answered, () => undefined)]));
    } else if (message.method === 'notifications/initialized') {
      const opened = new Promise<void>((resolve) => (this.getSettled = resolve));
      // Only Streamable HTTP opens a GET stream after initialized; the legacy pair has its stream already.
      this.gate = this.bounded(sending.then(() => (streamable() ? opened : undefined), () => undefined));
    }
    return sending;
  }

  /** An answer from upstream: the initialize it answers opens the gate. */
  answered(id: unknown): void {
    if (id === undefined) return;
    this.initializing.get(id)?.();
    this.initializing.delete(id);
  }

  /** The fetch the transports use, watched for the GET that opens the standalone stream. */
  watch(fetcher: typeof fetch): typeof fetch {
    return async (input, init) => {
      const response = fetcher(input, init);
      if ((init?.method ?? 'GET').toUpperCase() === 'GET' && this.getSettled) {
        const settle = this.getSettled;
        this.getSettled = undefined;
        response.then(settle, settle);
      }
      return response;
    };
  }

  private bounded(promise: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.limitMs);
      timer.unref();
    });
    return Promise.race([promise.then(() => undefined), limit]).finally(() => clearTimeout(timer));
  }
}
