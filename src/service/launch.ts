// What a service unit runs: this installation's node binary and bin script
// by absolute path (never an npx cache, which npm may clear at any time),
// `start` in the foreground with the node flags `--detach` gives the daemon,
// its log in the state directory as `--detach` writes it, so
// `mcp-auth-proxy logs` reads it either way.
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import { DAEMON_NODE_FLAGS } from '../daemon/detach.js';
import { logFile } from '../daemon/state.js';

export const SERVICE_NAME = 'mcp-auth-proxy';
/** The launchd label and the systemd and Windows task names derive from this. */
export const LAUNCHD_LABEL = 'dev.mcp-auth-proxy';

export interface LaunchCommand {
  node: string;
  /** Node's own flags, before the script: the heap settings `start --detach` gives the daemon. */
  nodeArgs?: string[];
  entry: string;
  args: string[];
}

export interface LaunchOptions {
  env: NodeJS.ProcessEnv;
  /** A config file to pass with --config (absolute). */
  configFile?: string;
  node?: string;
  entry?: string;
}

/** Package runners' throwaway directories: npx (`_npx`), pnpm and yarn `dlx`, bunx. */
const RUNNER_CACHE = /[\\/](?:_npx|dlx|bunx-[^\\/]*|\.yarn[\\/]berry[\\/]cache)[\\/]/;

export function launchCommand(options: LaunchOptions): LaunchCommand {
  const entry = options.entry ?? fileURLToPath(new URL('../../bin/mcp-auth-proxy.js', import.meta.url));
  if (RUNNER_CACHE.test(entry)) {
    throw new AppError('SERVICE_FROM_NPX', `This copy of mcp-auth-proxy runs from a package runner's cache (${entry}), which can be cleared at any time; a service must not start it from there`, {
      hint: 'Install it first: `npm install -g mcp-auth-proxy`, then run `mcp-auth-proxy service install` from that installation.',
    });
  }
  const args = ['start', ...(options.configFile ? ['--config', options.configFile] : []), '--log-file', logFile(options.env)];
  return { node: options.node ?? process.execPath, nodeArgs: [...DAEMON_NODE_FLAGS], entry, args };
}
