// Starting and stopping the proxy, shared by `start` and `demo`: resolve
// secrets, build upstreams, listen, then run until a signal and drain.
import type { Config } from '../config/schema.js';
import { flushLogger, type Logger } from '../observability/logger.js';
import { stateDir } from '../config/paths.js';
import { createMetrics } from '../observability/metrics.js';
import { openAudit } from './audit.js';
import { startProxyServer, type RunningProxy } from '../proxy/server.js';
import { buildUpstreams, prewarm } from '../proxy/upstreams.js';
import { join } from 'node:path';
import { processRecords, reapOrphans } from '../upstreams/stdio/process-records.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { VERSION } from '../version.js';
import { AppError } from '../errors.js';
import { isValidClientToken } from './client-token.js';
import { onShutdownSignals } from './signals.js';
import { loadTls } from './tls.js';

export interface RunOptions {
  config: Config;
  secrets: SecretResolver;
  logger: Logger;
  clientToken?: string;
  /** Where the audit log goes when the config turns it on; the XDG state directory by default. */
  stateDir?: string;
  /** The environment the command runs in (team mode's key store lives in its XDG state directory). */
  env?: NodeJS.ProcessEnv;
  /** The listening socket systemd passed (socket activation), served instead of binding `listen`. */
  listenFd?: number;
  /** Told once, at the first request that is not a health or status probe. */
  onFirstAgentRequest?: () => void;
}

export async function runProxy(options: RunOptions): Promise<RunningProxy> {
  // Never serve with the check silently off (or guessable): the token must be one we could have generated.
  if (options.config.clientToken && !(options.clientToken !== undefined && isValidClientToken(options.clientToken))) {
    throw new AppError('CLIENT_TOKEN_INVALID', 'clientToken is on, but no valid client token was given to the proxy', { hint: 'This is a bug in mcp-auth-proxy; please report it.' });
  }
  const metrics = createMetrics();
  const dir = options.stateDir ?? stateDir(process.env);
  // Command servers' processes left by a daemon that was killed outright (its records say which) go first.
  const recordsDir = join(dir, 'children');
  const reaped = await reapOrphans(recordsDir);
  if (reaped.length > 0) options.logger.warn('ended command server processes left by a daemon that did not stop cleanly', { pids: reaped });
  const records = processRecords(recordsDir, (error) => options.logger.warn('cannot record command server processes; a daemon killed outright would leave them running', { dir: recordsDir, error: error.message }));
  // Redis (and ioredis) only when the config names one.
  const redis = options.config.redis ? await (await import('../state/open.js')).openRedis(options.config, options.secrets, options.logger) : undefined;
  const shared = redis ? { shared: (await import('../state/shared-oauth.js')).sharedOAuth(redis) } : {};
  const upstreams = await buildUpstreams({ ...options, metrics, records, ...shared });
  const audit = await openAudit(options.config, { dir, redactor: options.secrets.redactor, logger: options.logger });
  const tls = await loadTls(options.config, options.secrets);
  const proxy = await startProxyServer({
    config: options.config,
    upstreams,
    logger: options.logger,
    metrics,
    redactor: options.secrets.redactor,
    version: VERSION,
    ...(audit ? { audit } : {}),
    ...(tls ? { tls } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.clientToken ? { clientToken: options.clientToken } : {}),
    ...(options.listenFd !== undefined ? { listenFd: options.listenFd } : {}),
    ...(redis ? { redis } : {}),
    ...(options.onFirstAgentRequest ? { onFirstAgentRequest: options.onFirstAgentRequest } : {}),
    records,
  });
  // Once the port answers: a prewarmed command server starts (and fills npx's cache) while agents connect.
  prewarm(proxy.upstreams);
  return proxy;
}

/**
 * Resolves once a signal stopped the proxy gracefully; a second signal calls
 * `exitNow`. SIGHUP (POSIX) calls `onReload`.
 */
export function serveUntilSignal(proxy: RunningProxy, logger: Logger, exitNow: (code: number) => never, onReload?: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let reloading = Promise.resolve();
    const hangup = () => {
      // One reload at a time, in the order asked.
      reloading = reloading
        .then(() => onReload?.())
        .catch((error: unknown) => void logger.error('reload failed', { error: String(error) }));
    };
    if (onReload && process.platform !== 'win32') process.on('SIGHUP', hangup);
    const remove = onShutdownSignals({
      // Without a reload handler (a proxy in a terminal), SIGHUP is the terminal closing: drain and stop.
      ...(onReload ? {} : { hangup: true }),
      onFirst: (signal) => {
        logger.info('shutting down: draining in-flight requests (press Ctrl-C again to force)', { signal });
        proxy.close().then(() => {
          remove();
          process.off('SIGHUP', hangup);
          logger.info('stopped');
          resolve();
        }, () => exitNow(1));
      },
      onSecond: (signal) => {
        logger.warn('forced exit', { signal });
        flushLogger(logger);
        exitNow(130);
      },
    });
  });
}
