// How an agent launches the stdio bridge. By default, this installation by
// absolute path: the node running now and this package's bin script, which
// works for a global or local install, a clone and a tarball alike, and runs
// exactly the version the user has. `npx -y mcp-auth-proxy@<version>` (the
// version pinned, so a later package under the name is never run) when asked
// for, when this copy sits in npx's cache (which npm may clear at any time),
// or when the snippet is for another OS than this one.
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.js';

/** This package's bin script (dist/clients/ or src/clients/ → bin/). */
export const BIN_SCRIPT = fileURLToPath(new URL('../../bin/mcp-auth-proxy.js', import.meta.url));

export type Launcher = { kind: 'installed'; node: string; bin: string } | { kind: 'npx'; spec: string };

export interface LauncherChoice {
  launcher: Launcher;
  /** Why npx was chosen when it was not asked for; shown to the user. */
  note?: string;
}

export function chooseLauncher(options: { npx?: boolean; platform: NodeJS.Platform; bin?: string; node?: string }): LauncherChoice {
  const npx: Launcher = { kind: 'npx', spec: `mcp-auth-proxy@${VERSION}` };
  const bin = options.bin ?? BIN_SCRIPT;
  if (options.npx) return { launcher: npx };
  if (options.platform !== process.platform) {
    return { launcher: npx, note: `the snippet is for ${options.platform}, so it runs \`npx -y ${npx.spec}\` (this installation's paths are for ${process.platform})` };
  }
  if (bin.includes(`${sep}_npx${sep}`)) {
    return { launcher: npx, note: `this copy runs from npx's cache, which npm may clear, so the snippet runs \`npx -y ${npx.spec}\`; install it (npm install -g mcp-auth-proxy) for a command that does not depend on the cache` };
  }
  return { launcher: { kind: 'installed', node: options.node ?? process.execPath, bin } };
}

/**
 * The command and its arguments, each one separate (agents spawn them
 * without a shell, so nothing needs quoting). node.exe is a real executable;
 * npx is a .cmd file on Windows, which only cmd /c can start.
 */
export function launchCommand(launcher: Launcher, platform: NodeJS.Platform, args: string[]): { command: string; args: string[] } {
  if (launcher.kind === 'installed') return { command: launcher.node, args: [launcher.bin, ...args] };
  const npxArgs = ['-y', launcher.spec, ...args];
  return platform === 'win32' ? { command: 'cmd', args: ['/c', 'npx', ...npxArgs] } : { command: 'npx', args: npxArgs };
}
