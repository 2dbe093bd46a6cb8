// Drives `mcp-auth-proxy login <server> --no-browser` the way a user in an SSH
// session does: read the printed sign-in URL, open it (the test server
// approves at once and redirects), and let the browser land on the loopback
// redirect. No browser is involved: plain HTTP requests play its part.
import { cleanEnv, finished, spawnCli, waitForOutput, type CliResult } from './cli.js';

export interface SignIn {
  result: CliResult;
  /** The authorization URL the CLI printed. */
  authorizeUrl: URL;
  /** Status and text of the page the loopback redirect showed the "browser". */
  page: { status: number; text: string };
}

/** `tamper` may rewrite the redirect before the "browser" follows it (a forged or mixed-up response). */
export async function signInWithCli(args: string[], env: NodeJS.ProcessEnv, cwd: string, tamper?: (redirect: URL) => void): Promise<SignIn> {
  const child = spawnCli(['login', ...args, '--no-browser'], { env: cleanEnv(env), cwd });
  const done = finished(child);
  const [, printed] = await waitForOutput(child, /^\s+(https?:\/\/\S+)$/m, 'stderr');
  const authorizeUrl = new URL(printed as string);
  const approval = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = approval.headers.get('location');
  if (approval.status !== 302 || !location) throw new Error(`authorization server answered ${approval.status}: ${await approval.text()}`);
  const redirect = new URL(location);
  tamper?.(redirect);
  const landing = await fetch(redirect, { redirect: 'manual' });
  const page = { status: landing.status, text: await landing.text() };
  return { result: await done, authorizeUrl, page };
}
