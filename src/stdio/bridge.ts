// `mcp-auth-proxy stdio <server>`: JSON-RPC on stdin/stdout for agents that
// only launch commands, relayed to the upstream with the server's auth over
// the SDK's client transports (Streamable HTTP with sessions, SSE answers,
// the GET stream and resumption; or the legacy HTTP+SSE pair, configured or
// detected). stdout carries nothing but JSON-RPC. When stdin closes, the
// upstream session is deleted and the bridge ends.
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Signer } from '../auth/scheme.js';
import type { ServerConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { ModernHeaders } from './modern-headers.js';
import { createSignedFetch } from './signed-fetch.js';

export interface BridgeOptions {
  name: string;
  server: ServerConfig;
  signer: Signer;
  staticHeaders: Record<string, string>;
  logger: Logger;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  fetch?: typeof fetch;
}

/** Bridge-level JSON-RPC error for a request the upstream could not take. */
const UPSTREAM_ERROR = -32002;

export async function runBridge(options: BridgeOptions): Promise<void> {
  const { name, server, logger } = options;
  const stdin = options.stdin ?? process.stdin;
  const modern = new ModernHeaders();
  const signedFetch = createSignedFetch({ signer: options.signer, staticHeaders: options.staticHeaders, modern, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const local = new StdioServerTransport(stdin as never, (options.stdout ?? process.stdout) as never);
  const url = new URL(server.url);
  const initializeIds = new Set<unknown>();
  let upstream: Transport = connectUpstream(server.transport === 'sse' ? 'sse' : 'streamable-http');
  let fellBack = server.transport === 'sse';

  function connectUpstream(kind: 'sse' | 'streamable-http'): Transport {
    const transport: Transport =
      kind === 'sse'
        ? new SSEClientTransport(url, { fetch: signedFetch, eventSourceInit: { fetch: signedFetch } })
        : new StreamableHTTPClientTransport(url, { fetch: signedFetch });
    transport.onmessage = (message) => {
      const answer = message as { id?: unknown; result?: { protocolVersion?: unknown } };
      if (answer.id !== undefined && initializeIds.delete(answer.id) && typeof answer.result?.protocolVersion === 'string') {
        transport.setProtocolVersion?.(answer.result.protocolVersion);
      }
      const passed = modern.observe(message, (tool, reason) => logger.warn('dropped a tool whose x-mcp-header annotations are invalid', { server: name, tool, reason }));
      local.send(passed).catch((error: unknown) => logger.warn('could not write to stdout', { error: String(error) }));
    };
    transport.onerror = (error) => logger.warn('upstream transport error', { server: name, error: error.message });
    return transport;
  }

  /** A request the upstream could not take still gets an answer, so the agent is never left waiting. */
  function answerFailure(message: JSONRPCMessage, error: unknown): void {
    const request = message as { id?: unknown; method?: unknown };
    const appError = error as { message?: string; hint?: string };
    const text = appError.hint ? `${appError.message}. ${appError.hint}` : error instanceof Error ? error.message : String(error);
    logger.warn('upstream refused a message', { server: name, method: request.method, error: text });
    if (request.id === undefined || typeof request.method !== 'string') return;
    const hint = error instanceof StreamableHTTPError && error.code === 404 ? ' (the session may have expired: initialize again)' : '';
    void local.send({ jsonrpc: '2.0', id: request.id as string | number, error: { code: UPSTREAM_ERROR, message: `Upstream "${name}": ${text}${hint}`, data: { server: name } } });
  }

  /** Streamable HTTP first; a 404/405 to initialize means a legacy HTTP+SSE server (the SDK's compatibility rule). */
  async function send(message: JSONRPCMessage): Promise<void> {
    try {
      await upstream.send(message);
    } catch (error) {
      const legacy = !fellBack && initializeIds.has((message as { id?: unknown }).id) && error instanceof StreamableHTTPError && (error.code === 404 || error.code === 405);
      if (!legacy) throw error;
      fellBack = true;
      logger.info('upstream does not speak Streamable HTTP; using the legacy HTTP+SSE transport', { server: name });
      await upstream.close().catch(() => undefined);
      upstream = connectUpstream('sse');
      await upstream.start();
      await upstream.send(message);
    }
  }

  // Messages are relayed in order: each waits for the one before it to be handed upstream.
  let queue = Promise.resolve();
  local.onmessage = (message) => {
    const request = message as { id?: unknown; method?: unknown };
    if (request.method === 'initialize' && request.id !== undefined) initializeIds.add(request.id);
    queue = queue.then(() => send(message).catch((error: unknown) => answerFailure(message, error)));
  };
  local.onerror = (error) => logger.warn('unreadable message on stdin', { error: error.message });

  await upstream.start();
  await local.start();
  logger.debug('stdio bridge ready', { server: name, upstream: url.origin });
  await new Promise<void>((resolve) => {
    stdin.once('end', resolve);
    stdin.once('close', resolve);
  });
  await queue;
  if (upstream instanceof StreamableHTTPClientTransport && upstream.sessionId) {
    await upstream.terminateSession().catch((error: unknown) => logger.warn('could not end the upstream session', { server: name, error: String(error) }));
  }
  await upstream.close().catch(() => undefined);
  await local.close();
}
