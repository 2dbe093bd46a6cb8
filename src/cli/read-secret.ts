// Reads a secret without it ever touching argv or the screen: a hidden
// prompt on a terminal, or all of stdin with --stdin (for scripts).
import { UsageError } from '../errors.js';

export interface ReadSecretOptions {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  useStdin: boolean;
  prompt: string;
}

export async function readSecret(options: ReadSecretOptions): Promise<string> {
  let value: string;
  if (options.useStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of options.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  } else if (options.stdin.isTTY) {
    const { default: password } = await import('@inquirer/password');
    value = await password({ message: options.prompt, mask: false });
  } else {
    throw new UsageError('stdin is not a terminal, so there is nowhere to prompt for the secret', 'Pipe the secret in and pass --stdin, e.g. `printf %s "$SECRET" | mcp-auth-proxy login NAME --stdin`.');
  }
  if (value === '') throw new UsageError('The secret is empty; nothing was stored');
  return value;
}
