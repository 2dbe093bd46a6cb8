// Whether the process a state file names is our daemon, before anything
// signals it or trusts it: pids are reused, so a state file left by a crash
// may name any program by now. Ours means its /statusz answers with the same
// pid and start time as the state file, or (when it does not answer: busy,
// hung) its command line is `node … mcp-auth-proxy … start`. Used by start,
// stop, reload, status and doctor; a file that names another program is stale.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { CLIENT_TOKEN_HEADER } from '../proxy/guard.js';
import { readClientToken } from './client-token.js';
import { pinnedRequest } from './pinned-request.js';
import { readLiveState, removeState, type DaemonState } from './state.js';

export interface OurDaemon {
  state: DaemonState;
  /** How it was recognised. */
  confirmedBy: 'statusz' | 'command-line';
}

export interface FindResult {
  daemon?: OurDaemon;
  /** A live process the state file named that is not our daemon (the file was removed). */
  foreign?: { pid: number };
}

/** The daemon the state file names when it is live and ours; a file naming a dead or foreign pid is removed. */
export async function readOurDaemon(file: string, env: NodeJS.ProcessEnv, onToken?: (token: string) => void): Promise<FindResult> {
  const state = await readLiveState(file);
  if (!state) return {};
  const confirmedBy = await confirm(state, env, onToken);
  if (confirmedBy) return { daemon: { state, confirmedBy } };
  // Only while it still names that pid: a daemon starting now may have written its own meanwhile.
  await removeState(file, state.pid);
  return { foreign: { pid: state.pid } };
}

/** A request to the daemon, with the client token when the install has a valid one. */
export async function daemonRequest(env: NodeJS.ProcessEnv, state: DaemonState, path: string, options: { token?: boolean; timeoutMs?: number; onToken?: (token: string) => void; method?: string; body?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = options.body === undefined ? {} : { 'content-type': 'application/json' };
  if (options.token !== false) {
    const token = await readClientToken(env);
    if (token) {
      options.onToken?.(token);
      headers[CLIENT_TOKEN_HEADER] = token;
    }
  }
  if (state.url.startsWith('https:')) {
    // Team mode's own HTTPS: only the certificate the daemon recorded is believed.
    if (!state.tlsFingerprint) throw new Error(`the state file of ${state.url} records no certificate to check it by`);
    return pinnedRequest(`${state.url}${path}`, state.tlsFingerprint, { ...(options.method ? { method: options.method } : {}), ...(options.body !== undefined ? { body: options.body } : {}), headers, timeoutMs: options.timeoutMs ?? 3000 });
  }
  return fetch(`${state.url}${path}`, { ...(options.method ? { method: options.method } : {}), ...(options.body !== undefined ? { body: options.body } : {}), headers, signal: AbortSignal.timeout(options.timeoutMs ?? 3000) });
}

async function confirm(state: DaemonState, env: NodeJS.ProcessEnv, onToken?: (token: string) => void): Promise<OurDaemon['confirmedBy'] | undefined> {
  try {
    const response = await daemonRequest(env, state, '/statusz', { ...(onToken ? { onToken } : {}) });
    if (response.ok) {
      const body = (await response.json()) as { pid?: unknown; startedAt?: unknown };
      if (body.pid === state.pid && body.startedAt === state.startedAt) return 'statusz';
    }
  } catch {
    // not answering (or not JSON): the command line decides
  }
  return isOurCommandLine(await commandLine(state.pid)) ? 'command-line' : undefined;
}

/** `node [flags] …/mcp-auth-proxy[.js] [options] start …`: how both `start` and `start --detach` run. */
export function isOurCommandLine(argv: string[] | undefined): boolean {
  if (!argv || argv.length < 3) return false;
  if (!/^node(js)?(\.exe)?$/i.test(basename(argv[0] as string))) return false;
  const script = argv.findIndex((arg, i) => i > 0 && /^mcp-auth-proxy(\.js)?$/.test(basename(arg)));
  return script > 0 && argv.indexOf('start', script + 1) > script;
}

/** The process's arguments: /proc on Linux, `ps` elsewhere on POSIX; undefined when they cannot be read. */
async function commandLine(pid: number): Promise<string[] | undefined> {
  if (process.platform === 'win32') return undefined;
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
  } catch {
    // no /proc (macOS, BSD): ask ps
  }
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'command=', '-p', String(pid)], { timeout: 3000 });
    // ps joins the arguments with spaces: good enough to recognise ours (paths with spaces aside).
    const line = stdout.trim();
    return line ? line.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}
