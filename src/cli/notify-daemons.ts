// After `login` or `logout` changed a server's credential: every running
// daemon of this user (one state file per listen address) is asked to read
// that server's credential again, so the next request uses the new one (or
// none) without a `reload`. What each said comes back as lines to show.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';
import { readOurDaemon } from '../daemon/identity.js';
import type { DaemonState } from '../daemon/state.js';
import { daemonFetch } from './commands/daemon-target.js';
import type { CommandContext } from './context.js';

/** What /credentialz answers. */
interface CredentialReport {
  server: string;
  credential?: 'present' | 'missing';
  ready?: boolean;
  reason?: string;
  error?: { message?: string; data?: { hint?: string } };
}

export async function notifyDaemons(ctx: CommandContext, server: string): Promise<{ lines: string[]; took: boolean }> {
  const dir = stateDir(ctx.env);
  const files = await readdir(dir).catch(() => [] as string[]);
  const lines: string[] = [];
  let took = false;
  const seen = new Set<number>();
  for (const file of files.filter((f) => /^daemon-.+\.json$/.test(f))) {
    // Only a process confirmed to be our daemon: a stale state file may name any program by now.
    const state = (await readOurDaemon(join(dir, file), ctx.env, (token) => ctx.redactor.add(token))).daemon?.state;
    // A daemon listening on port 0 has two state files (configured and bound address): tell it once.
    if (!state || seen.has(state.pid)) continue;
    seen.add(state.pid);
    const said = await notify(ctx, state, server);
    took ||= said.took;
    lines.push(said.line);
  }
  return { lines, took };
}

async function notify(ctx: CommandContext, state: DaemonState, server: string): Promise<{ line: string; took: boolean }> {
  const who = `the running proxy at ${state.url} (pid ${state.pid})`;
  let response: Response;
  try {
    response = await daemonFetch(ctx, state, '/credentialz', { method: 'POST', body: JSON.stringify({ server }) });
  } catch (error) {
    return { line: `note: could not tell ${who} (${(error as Error).message}); run \`mcp-auth-proxy reload\` so it uses the change.`, took: false };
  }
  const report = (await response.json().catch(() => ({}))) as CredentialReport;
  if (response.status === 404) return { line: `note: ${who} does not serve "${server}" yet; run \`mcp-auth-proxy reload\` to add it.`, took: false };
  if (!response.ok) return { line: `note: ${who} could not take the change (HTTP ${response.status}${report.error?.message ? `: ${report.error.message}` : ''}); run \`mcp-auth-proxy reload\`.`, took: false };
  if (report.ready) return { line: `${who} now uses the new credential for "${server}".`, took: true };
  return { line: `${who} now has no usable credential for "${server}"${report.reason ? ` (${report.reason})` : ''}.`, took: true };
}

/** Tells every running daemon, and shows on stderr what each said; true when a daemon took the change. */
export async function tellDaemons(ctx: CommandContext, server: string): Promise<boolean> {
  const { lines, took } = await notifyDaemons(ctx, server);
  for (const line of lines) ctx.stderr.write(`${ctx.redactor.redact(line)}\n`);
  return took;
}
