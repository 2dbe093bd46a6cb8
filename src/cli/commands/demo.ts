// `mcp-auth-proxy demo`: an embedded signed upstream and the proxy in front of
// it, checked end to end with a real MCP client, so a newcomer sees the whole
// flow with nothing else installed.
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { proxyBase } from '../../clients/proxy-url.js';
import { formatHostPort } from '../../config/listen-address.js';
import { configSchema } from '../../config/schema.js';
import { runProxy, serveUntilSignal } from '../../daemon/run.js';
import { startDemoUpstream } from '../../demo/upstream.js';
import { AppError } from '../../errors.js';
import { createLogger, type LogFormat } from '../../observability/logger.js';
import { wantsColour } from '../../observability/pretty.js';
import { SecretResolver } from '../../secrets/resolve.js';
import { print, type CommandContext } from '../context.js';

export interface DemoOptions {
  listen?: string;
  once?: boolean;
  logLevel?: string;
  allowRemote?: boolean;
  logFormat?: LogFormat;
}

const SECRET_VAR = 'MCP_AUTH_PROXY_DEMO_SECRET';
const KEY_ID = 'demo-key-0001';

export async function demo(ctx: CommandContext, options: DemoOptions): Promise<void> {
  const secret = randomBytes(32).toString('hex');
  ctx.redactor.add(secret);
  const upstream = await startDemoUpstream({ keyId: KEY_ID, secret });
  const parsed = configSchema.safeParse({
    listen: options.listen ?? '127.0.0.1:0',
    allowRemote: Boolean(options.allowRemote),
    logLevel: options.logLevel?.toLowerCase() ?? 'warn',
    servers: { demo: { url: upstream.url, auth: { type: 'hmac', keyId: KEY_ID, secret: `env:${SECRET_VAR}` } } },
  });
  if (!parsed.success) {
    await upstream.close();
    throw new AppError('USAGE', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), { exitCode: 2 });
  }
  const config = parsed.data;
  const format = options.logFormat ?? ((ctx.stderr as { isTTY?: boolean }).isTTY ? 'pretty' : 'json');
  const logger = createLogger({ level: config.logLevel, redactor: ctx.redactor, stream: ctx.stderr, format, colour: format === 'pretty' && wantsColour(ctx.stderr as { isTTY?: boolean }, ctx.env) });
  const secrets = new SecretResolver({ env: { [SECRET_VAR]: secret }, redactor: ctx.redactor });
  const proxy = await runProxy({ config, secrets, logger }).catch(async (error: unknown) => {
    await upstream.close();
    throw error;
  });

  // Bound to every interface, the proxy still answers only to its loopback name (the Host check).
  const base = proxyBase(formatHostPort(proxy.host, proxy.port));
  try {
    print(ctx, `Demo upstream (signed auth-gateway, random per-run secret): ${upstream.url}`);
    print(ctx, `Proxy in front of it:                                       ${base}/mcp`);
    print(ctx);
    await selfCheck(ctx, `${base}/mcp`);
    print(ctx, `Gateway verdicts: ${upstream.stats.accepted} signed requests accepted, ${upstream.stats.rejected} rejected`);
    if (upstream.stats.rejected > 0) {
      throw new AppError('DEMO_FAILED', `The demo gateway rejected ${upstream.stats.rejected} request(s): ${upstream.stats.lastRejection}`, {
        hint: 'This is a bug in mcp-auth-proxy; please report it.',
      });
    }
    print(ctx);
    print(ctx, 'Point an agent at it (mcp.json; no secret in it):');
    print(ctx, JSON.stringify({ mcpServers: { demo: { type: 'http', url: `${base}/mcp` } } }, null, 2));
    print(ctx);
    print(ctx, 'Or try it by hand:');
    print(ctx, `  curl -s -X POST ${base}/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'`);
    if (options.once) return;
    print(ctx);
    print(ctx, 'Serving until Ctrl-C.');
    await serveUntilSignal(proxy, logger, ctx.exitNow);
  } finally {
    await proxy.close();
    await upstream.close();
  }
}

async function selfCheck(ctx: CommandContext, url: string): Promise<void> {
  const client = new Client({ name: 'mcp-auth-proxy-demo-check', version: '1.0.0' });
  const notices: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void notices.push(String(n.params.data)));
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    print(ctx, `✓ initialize and tools/list through the proxy: ${tools.map((t) => t.name).join(', ')}`);
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    print(ctx, `✓ tools/call whoami → ${textOf(whoami)}`);
    const countdown = await client.callTool({ name: 'countdown', arguments: { from: 3, delayMs: 100 } });
    print(ctx, `✓ tools/call countdown streamed ${notices.join(', ')} → ${textOf(countdown)}`);
  } catch (error) {
    throw new AppError('DEMO_FAILED', `The demo client failed: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Run with --log-level debug to see each request.',
      cause: error,
    });
  } finally {
    await client.close();
  }
}

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join(' ');
}
