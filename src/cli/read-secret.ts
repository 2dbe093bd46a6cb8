// Reads secrets without them ever touching argv or the screen: a hidden
// prompt on a terminal, or stdin with --stdin (for scripts; one secret per
// line when a scheme needs several, the whole input when it needs one, so a
// PEM key can be piped in). Ctrl-C at the prompt ends the command quietly.
import { AppError, UsageError } from '../errors.js';

export interface ReadSecretOptions {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  useStdin: boolean;
}

export interface SecretPrompt {
  prompt: string;
  /** A value of several lines (a PEM key): only --stdin can carry it. */
  multiline?: boolean;
}

/** The exit code of a command the user interrupted (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Refuses at once (before anything else is asked or checked) when there is nowhere to read a secret from. */
export function checkSecretInput(options: ReadSecretOptions): void {
  if (!options.useStdin && !options.stdin.isTTY) {
    throw new UsageError('stdin is not a terminal, so there is nowhere to prompt for the secret', 'Pipe the secret in and pass --stdin, e.g. `printf %s "$SECRET" | mcp-auth-proxy login NAME --stdin`.');
  }
}

/** One value per prompt, in order. */
export async function readSecrets(options: ReadSecretOptions, prompts: Array<SecretPrompt | string>): Promise<string[]> {
  const asked = prompts.map((p) => (typeof p === 'string' ? { prompt: p } : p));
  let values: string[];
  if (options.useStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of options.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    const text = Buffer.concat(chunks).toString('utf8');
    values = asked.length === 1 ? [asked[0]?.multiline ? text.trim() : text.replace(/\r?\n$/, '')] : text.replace(/\r?\n$/, '').split(/\r?\n/);
    if (values.length !== asked.length) {
      throw new UsageError(`Expected ${asked.length} lines on stdin (one per secret), got ${values.length}; nothing was stored`);
    }
  } else if (options.stdin.isTTY) {
    if (asked.some((p) => p.multiline)) {
      throw new UsageError('A private key has several lines, which a hidden prompt cannot take; nothing was stored', 'Pipe the PEM file in: `mcp-auth-proxy login NAME --stdin < key.pem`.');
    }
    const { default: password } = await import('@inquirer/password');
    values = [];
    try {
      for (const { prompt } of asked) values.push(await password({ message: prompt, mask: false }));
    } catch (error) {
      // Ctrl-C (or the terminal closing) at the prompt: the user changed their mind; say so in one line.
      if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') {
        throw new AppError('CANCELLED', 'Cancelled at the prompt; nothing was stored', { exitCode: EXIT_INTERRUPTED });
      }
      throw error;
    }
  } else {
    checkSecretInput(options);
    values = [];
  }
  if (values.some((value) => value === '')) throw new UsageError('A secret is empty; nothing was stored');
  return values;
}
