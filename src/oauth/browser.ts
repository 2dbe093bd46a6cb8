// Opens the authorization URL in the user's browser, and only for http(s)
// URLs (a URL from a server's metadata must not become a command). $BROWSER,
// when set, names the program to run (as gh, git and Python do; `%s` in it
// stands for the URL, else the URL is its one argument); otherwise the `open`
// package picks the system's. Both are spawned directly, never through a shell.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';

export async function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  try {
    const child = env.BROWSER ? fromVariable(env.BROWSER, parsed.href, env) : await (await import('open')).default(parsed.href, { wait: false });
    // A missing opener (no xdg-open on a server) fails after spawn: report it, so the URL is shown as the way in.
    const started = await new Promise<boolean>((resolve) => {
      if (child.pid !== undefined) resolve(true);
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    child.unref();
    return started;
  } catch {
    return false;
  }
}

/**
 * $BROWSER: a program, or several separated by the path delimiter (the first
 * is used); a program path with spaces works when it names an existing file;
 * otherwise words are split on spaces, and `%s` marks where the URL goes.
 */
function fromVariable(variable: string, url: string, env: NodeJS.ProcessEnv): ChildProcess {
  const entry = (variable.split(delimiter)[0] ?? '').trim();
  const words = existsSync(entry) ? [entry] : entry.split(/\s+/).filter(Boolean);
  const [program, ...rest] = words;
  if (!program) throw new Error('BROWSER is empty');
  const args = rest.some((word) => word.includes('%s')) ? rest.map((word) => word.replaceAll('%s', url)) : [...rest, url];
  return spawn(program, args, { env, stdio: 'ignore', detached: true, windowsHide: true });
}
