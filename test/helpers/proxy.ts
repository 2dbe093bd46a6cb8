// Starts the real proxy in-process for a test, with its logs captured at
// debug level and secrets supplied through an injected environment.
import { configSchema, type Config } from '../../src/config/schema.js';
import { createLogger, flushLogger } from '../../src/observability/logger.js';
import { openAudit } from '../../src/daemon/audit.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { Redactor } from '../../src/observability/redact.js';
import { startProxyServer, type RunningProxy } from '../../src/proxy/server.js';
import { buildUpstreams, type BuildOptions } from '../../src/proxy/upstreams.js';
import { SecretResolver } from '../../src/secrets/resolve.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { openRedis } from '../../src/state/open.js';
import { sharedOAuth } from '../../src/state/shared-oauth.js';
import { Capture } from './net.js';

export interface TestProxy {
  proxy: RunningProxy;
  url: string;
  logs: Capture;
  config: Config;
  /** What SIGHUP does in the daemon: the servers are built again (from the same config) and swapped in. */
  reload: () => Promise<void>;
  close: () => Promise<void>;
}

export interface TestProxyOptions {
  /** Secret stores behind keychain: references and OAuth tokens (none by default). */
  stores?: { keychain: SecretStore; file: SecretStore };
  now?: () => number;
  /** Require this client token (config clientToken). */
  clientToken?: string;
  /** Include prom-client's process metrics in /metrics. */
  processMetrics?: boolean;
  /** The state directory for the audit log (when the config turns it on). */
  stateDir?: string;
  /** The AWS credential provider SigV4 servers without stored keys use (a test's own, never the machine's AWS chain). */
  awsCredentials?: BuildOptions['awsCredentials'];
}

export async function startTestProxy(input: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, options: TestProxyOptions = {}): Promise<TestProxy> {
  const config = configSchema.parse({ listen: '127.0.0.1:0', logLevel: 'debug', ...input });
  const logs = new Capture();
  const redactor = new Redactor();
  const logger = createLogger({ level: config.logLevel, redactor, stream: logs });
  logs.beforeRead = () => flushLogger(logger);
  const secrets = new SecretResolver({ env, redactor, ...(options.stores ? { store: options.stores.keychain, fallback: options.stores.file } : {}) });
  // Process metrics watch GC and the event loop for the life of the process: only for tests that read them.
  const metrics = createMetrics({ processMetrics: options.processMetrics === true });
  const aws = options.awsCredentials ? { awsCredentials: options.awsCredentials } : {};
  const redis = await openRedis(config, secrets, logger);
  const shared = redis ? { shared: sharedOAuth(redis) } : {};
  const upstreams = await buildUpstreams({ config, secrets, logger, metrics, ...aws, ...shared, ...(options.now ? { now: options.now } : {}) });
  const audit = await openAudit(config, { dir: options.stateDir ?? '/nonexistent-test-state-dir', redactor, logger });
  const proxy = await startProxyServer({ config, upstreams, logger, metrics, redactor, ...(audit ? { audit } : {}), ...(options.clientToken ? { clientToken: options.clientToken } : {}), ...(redis ? { redis } : {}) });
  const reload = async () => {
    const next = await buildUpstreams({ config, secrets, logger, metrics, previous: proxy.upstreams, ...aws, ...shared, ...(options.now ? { now: options.now } : {}) });
    proxy.reload(config, next, proxy.audit);
  };
  return { proxy, url: proxy.url, logs, config, reload, close: () => proxy.close() };
}

export const KEY_ID = 'test-key-7f3a';
export const SECRET = 's3cr3t-test-value-9c1d2e';

/** A config entry for an hmac server whose secret comes from env:TEST_SECRET. */
export function hmacServer(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { url, auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:TEST_SECRET' }, ...extra };
}
