// The built CLI's `start` as a child process on 127.0.0.1:0, in a throwaway
// home with no keychain: resolves with its URL once it listens, and stops it
// with SIGINT (a graceful stop) at close().
import { cleanEnv, spawnCli, waitForOutput } from './cli.js';

export interface Daemon {
  url: string;
  /** Everything it wrote to stderr (its log) so far. */
  log: () => string;
  stop: () => Promise<number | null>;
}

export async function startDaemon(env: NodeJS.ProcessEnv, cwd: string, args: string[] = []): Promise<Daemon> {
  const child = spawnCli(['start', '--listen', '127.0.0.1:0', ...args], { env: cleanEnv(env), cwd });
  const [, url] = await waitForOutput(child, /listening on (https?:\/\/\S+)/);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url: url as string,
    log: () => child.out.stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
