// `mcp-auth-proxy reload`: ask the daemon to read its config and secrets
// again (SIGHUP) and report how it went: the servers now served, the ones
// among them left without a usable credential (exit 1), or the problems that
// made it keep the old config (exit 1). Streams in flight are untouched.
import { AppError, ReportedError } from '../../errors.js';
import type { ReloadResult } from '../../proxy/server.js';
import { print, type CommandContext } from '../context.js';
import { daemonFetch, findDaemon, type TargetOptions } from './daemon-target.js';

interface Status {
  pid?: number;
  reloadable?: boolean;
  lastReload?: ReloadResult;
  servers: Record<string, unknown>;
}

export async function reload(ctx: CommandContext, options: TargetOptions & { json?: boolean }): Promise<void> {
  if (process.platform === 'win32') {
    throw new AppError('RELOAD_UNSUPPORTED', 'Windows has no SIGHUP, so a running daemon cannot be told to reload', { hint: 'Restart it: `mcp-auth-proxy stop`, then `mcp-auth-proxy start --detach`.' });
  }
  const { listen, state } = await findDaemon(ctx, options);
  if (!state) throw new AppError('NOT_RUNNING', `No mcp-auth-proxy daemon is running for ${listen}`, { hint: 'Start it with `mcp-auth-proxy start --detach`.' });
  const current = await status(ctx, state);
  // Signal only a process that says it reloads on SIGHUP, and is the one the state file names (pids get reused).
  if (current.pid !== state.pid || current.reloadable !== true) {
    throw new AppError('RELOAD_UNSUPPORTED', `The proxy at ${state.url} (pid ${current.pid ?? '?'}) does not reload on SIGHUP (it runs in a terminal, or predates reload)`, {
      hint: 'Restart it: `mcp-auth-proxy stop`, then `mcp-auth-proxy start --detach`.',
    });
  }
  const before = current.lastReload?.at;
  process.kill(state.pid, 'SIGHUP');
  const deadline = Date.now() + 15_000;
  let after: Status;
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await status(ctx, state);
    if (Date.now() > deadline) throw new AppError('RELOAD_TIMEOUT', `pid ${state.pid} did not report a reload within 15 s`, { hint: `Check its log: ${state.logFile ?? 'the daemon log'}` });
  } while (after.lastReload?.at === before);
  const result = after.lastReload as ReloadResult;
  // A daemon from before `applied` existed applied exactly the reloads that were ok.
  const applied = result.applied ?? result.ok;
  const failed = result.failed ?? [];
  const serving = Object.keys(after.servers).filter((name) => !failed.some((f) => f.server === name));
  if (options.json) {
    print(ctx, JSON.stringify({ reloaded: applied, ok: result.ok, at: result.at, servers: Object.keys(after.servers), failed, ...(result.problems ? { problems: result.problems } : {}) }, null, 2));
  } else if (applied) {
    print(ctx, `Reloaded pid ${state.pid}: serving ${serving.join(', ') || '(no servers)'}${failed.length ? `; failed: ${failed.map((f) => f.server).join(', ')}` : ''}.`);
    for (const f of failed) {
      ctx.stderr.write(ctx.redactor.redact(`${f.server}: no usable credential, its requests get 503: ${f.message}\n${f.hint ? `  hint: ${f.hint}\n` : ''}`));
    }
  } else {
    ctx.stderr.write(`The new config is invalid; pid ${state.pid} keeps the old one:\n${(result.problems ?? []).map((p) => `  ${p}`).join('\n')}\n`);
  }
  if (!result.ok) throw new ReportedError(1);
}

async function status(ctx: CommandContext, state: Parameters<typeof daemonFetch>[1]): Promise<Status> {
  const response = await daemonFetch(ctx, state, '/statusz');
  if (!response.ok) throw new AppError('DAEMON_UNREACHABLE', `pid ${state.pid} answered /statusz with HTTP ${response.status}`);
  return (await response.json()) as Status;
}
