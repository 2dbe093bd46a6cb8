// The local listener: binds (loopback unless allowed otherwise), serves the
// handler, and shuts down in stages: stop accepting, end held streams, let
// in-flight requests finish for a bounded time, then force. close() is safe
// to call more than once.
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, parseListenAddress } from '../config/listen-address.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createForwarder } from './forward.js';
import { createGuard } from './guard.js';
import { createHandler, failRequest } from './handler.js';
import { createLegacySse } from './legacy-sse.js';
import { destroyUpstreams, type Upstream } from './upstreams.js';

export interface ProxyServerOptions {
  config: Config;
  upstreams: Map<string, Upstream>;
  logger: Logger;
  version?: string;
}

export interface RunningProxy {
  /** e.g. http://127.0.0.1:8787 */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly upstreams: Map<string, Upstream>;
  close(): Promise<void>;
}

export async function startProxyServer(options: ProxyServerOptions): Promise<RunningProxy> {
  const { config, logger, upstreams } = options;
  const address = parseListenAddress(config.listen);
  if (!address) throw new AppError('CONFIG_INVALID', `listen "${config.listen}" is not host:port`, { exitCode: 2 });

  const streams = new Map<ServerResponse, () => void>();
  const trackStream = (res: ServerResponse, close: () => void) => {
    streams.set(res, close);
    res.once('close', () => streams.delete(res));
  };
  const forwarder = createForwarder({ logger, trackStream });
  const legacy = createLegacySse({ logger, trackStream });
  let accepting = true;
  const routes = { servers: new Set(upstreams.keys()), defaultServer: defaultServerOf(config) };
  const server = http.createServer({ maxHeaderSize: 16 * 1024 });
  server.headersTimeout = config.headersTimeout;
  server.requestTimeout = Math.max(config.headersTimeout, 30_000);
  server.keepAliveTimeout = config.idleTimeout;

  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && error.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = formatHostPort(address.host, address.port);
      if (error.code === 'EADDRINUSE') {
        reject(new AppError('PORT_IN_USE', `Cannot listen on ${where}: port ${address.port} is already in use`, {
          hint: `Stop whatever holds port ${address.port}, or choose another with --listen 127.0.0.1:PORT`,
          cause: error,
        }));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES') {
        reject(new AppError('LISTEN_FAILED', `Cannot listen on ${where}: ${error.code}`, { hint: 'Check the listen address', cause: error }));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  // The guard needs the bound port (0 in the config means an ephemeral one), so requests are served from here on.
  const guard = createGuard(address.host, bound.port);
  const info = { version: options.version ?? 'dev', startedAt: new Date().toISOString() };
  const handle = createHandler({ guard, routes, upstreams, forwarder, legacy, logger, maxBodyBytes: config.maxBodyBytes, isReady: () => accepting, info });
  server.on('request', (req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      failRequest(res, logger, error);
    }
  });
  const url = `http://${formatHostPort(address.host, bound.port)}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      accepting = false;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const end of streams.values()) end();
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeout);
      force.unref();
      await stopped;
      clearTimeout(force);
      forwarder.close();
      destroyUpstreams(upstreams);
    })();
    return closing;
  };

  return { url, port: bound.port, host: address.host, upstreams, close };
}

export function defaultServerOf(config: Config): string | undefined {
  if (config.defaultServer) return config.defaultServer;
  const names = Object.keys(config.servers);
  return names.length === 1 ? names[0] : undefined;
}
