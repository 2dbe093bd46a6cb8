// `mcp-auth-proxy stdio <server>`: the stdio bridge for agents that only
// launch commands (Claude Desktop, JetBrains). Same config and keychain as
// the daemon, no daemon needed. stdout is JSON-RPC only; logs go to stderr.
// A credential that cannot be read does not stop the bridge: every request
// then gets a JSON-RPC error that says what to run, which the agent shows.
import { createSigner } from '../../auth/index.js';
import type { Signer } from '../../auth/scheme.js';
import { loadConfig } from '../../config/load.js';
import { isCommandServer } from '../../config/schema.js';
import { actsAsCaller } from '../../config/team-values.js';
import { AppError, ReportedError } from '../../errors.js';
import { resolveServerUrl, resolveStaticHeaders } from '../../proxy/upstreams.js';
import { urlReferences, withoutPlaceholders } from '../../secrets/url-references.js';
import { openResolver } from '../../secrets/stores.js';
import { compilePolicy } from '../../policy/compile.js';
import { runBridge } from '../../stdio/bridge.js';
import { BridgePolicy } from '../../stdio/policy-messages.js';
import { createLazyLogger } from '../../stdio/lazy-logger.js';
import type { CommandContext } from '../context.js';
import { unknownServer } from '../server-lookup.js';

export interface StdioOptions {
  config?: string;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

export async function stdio(ctx: CommandContext, name: string, options: StdioOptions, stdin: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const { config, warnings } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), flags: options.logLevel ? { logLevel: options.logLevel } : {} });
  const server = config.servers[name];
  const logger = createLazyLogger({ level: config.logLevel, redactor: ctx.redactor, stream: ctx.stderr });
  for (const warning of warnings) logger.warn(warning);
  if (!server) throw unknownServer(name, config, 'Point the agent at a configured server: `mcp-auth-proxy stdio NAME`.');
  if (!isCommandServer(server) && actsAsCaller(server.auth)) {
    // The bridge has no caller to act as: "$caller" servers are served by the team proxy, which checks who calls.
    throw new AppError('TEAM_SERVER', `"${name}" acts as each verified caller: agents reach it through the team proxy, not the stdio bridge`, {
      hint: `Point the agent at ${config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}/${name}/mcp` : 'the team proxy'} (\`mcp-auth-proxy mcp-json --client NAME\` prints the snippet).`,
    });
  }
  const secrets = openResolver(ctx.env, ctx.redactor, (account, file) => logger.warn('secret read from the insecure file store (no keychain here)', { account, file }));
  if (isCommandServer(server)) {
    // The command runs here, in the agent's session, as it would have from the agent's config.
    const { runCommandBridge } = await import('../../stdio/command-bridge.js');
    const code = await runCommandBridge({ name, server, secrets, logger, redactor: ctx.redactor, env: ctx.env, stdin });
    await logger.settled();
    if (code !== 0) throw new ReportedError(code);
    return;
  }
  let signer: Signer;
  let staticHeaders: Record<string, string> = {};
  // A URL with a secret in it (a `${keychain:...}` reference) goes out filled in; until then, as a stand-in.
  let target = { ...server, url: withoutPlaceholders(server.url) };
  try {
    if (urlReferences(server.url).length > 0) target = { ...server, url: await resolveServerUrl(name, server, secrets) };
    staticHeaders = await resolveStaticHeaders(name, server, secrets);
    // OAuth refreshes log on their own, through the logger itself.
    signer = await createSigner(server.auth, {
      server: name,
      url: server.url,
      secrets,
      // The bridge runs in the user's session: an OAuth step-up may open their browser (progress on stderr only).
      ...(server.auth.type === 'oauth' ? { logger: await logger.load(), interactiveLogin: { env: ctx.env, progress: (text: string) => logger.warn(text, { server: name }) } } : {}),
    });
  } catch (error) {
    const cause = error instanceof AppError ? error : new AppError('CREDENTIAL_UNAVAILABLE', String(error));
    logger.error('no usable credential; every request will get this error', { server: name, error: cause.message, hint: cause.hint });
    signer = failingSigner(cause);
  }
  try {
    // The same policy as the daemon's, for the local user: an agent that launches the bridge gets no more than one that calls the daemon.
    const policy = config.policy ? new BridgePolicy(compilePolicy(config.policy), name) : undefined;
    await runBridge({ name, server: target, signer, staticHeaders, logger, stdin, redactor: ctx.redactor, connectTimeoutMs: server.timeout ?? config.requestTimeout, ...(policy ? { policy } : {}) });
  } finally {
    signer.close?.();
    await logger.settled();
  }
}

/** Stands in when the credential cannot be read: each request fails with the reason and the fix. */
function failingSigner(cause: AppError): Signer {
  const error = new AppError(cause.code, cause.hint ? `${cause.message}. ${cause.hint}` : cause.message);
  return { type: 'unavailable', needsBody: false, headerNames: [], sign: () => ({}), prepare: () => Promise.reject(error) };
}
