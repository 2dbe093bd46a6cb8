// The "Next:" line after a login: start the proxy, or, with one running,
// nothing (it took the change when login told it) or `reload` (it could
// not), and the URL an agent points at (the configured listen address, or
// the running daemon's own URL).
import { proxyBase } from '../clients/proxy-url.js';
import { loadConfig } from '../config/load.js';
import { DEFAULT_LISTEN } from '../config/schema.js';
import { readOurDaemon } from '../daemon/identity.js';
import { stateFile } from '../daemon/state.js';
import type { CommandContext } from './context.js';

export interface NextStepOptions {
  /** `--config FILE`, passed on to the command suggested. */
  config?: string;
  /** A running daemon took the change when login told it (see notify-daemons.ts). */
  followed?: boolean;
}

export async function nextStep(ctx: CommandContext, name: string, options: NextStepOptions = {}): Promise<string> {
  let listen = DEFAULT_LISTEN;
  try {
    listen = (await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}) })).config.listen;
  } catch {
    // The login itself went through; the default address is the best guess left.
  }
  const configFlag = options.config ? ` --config ${options.config}` : '';
  const running = (await readOurDaemon(stateFile(ctx.env, listen), ctx.env, (token) => ctx.redactor.add(token))).daemon?.state;
  if (!running) return `Next: \`mcp-auth-proxy start${configFlag}\`, then point your agent at ${proxyBase(listen)}/${name}/mcp.`;
  const url = `${running.url}/${name}/mcp`;
  if (options.followed) return `Next: the running proxy (pid ${running.pid}) already uses it; point your agent at ${url}.`;
  return `Next: \`mcp-auth-proxy reload${configFlag}\` so the running proxy (pid ${running.pid}) uses it, then point your agent at ${url}.`;
}
