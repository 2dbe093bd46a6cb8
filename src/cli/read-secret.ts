// Reads secrets without them ever touching argv or the screen: a hidden
// prompt on a terminal, or stdin with --stdin (for scripts; one secret per
// line when a scheme needs several).
import { UsageError } from '../errors.js';

export interface ReadSecretOptions {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  useStdin: boolean;
}

export async function readSecret(options: ReadSecretOptions & { prompt: string }): Promise<string> {
  return (await readSecrets(options, [options.prompt]))[0] as string;
}

/** One value per prompt, in order. */
export async function readSecrets(options: ReadSecretOptions, prompts: string[]): Promise<string[]> {
  let values: string[];
  if (options.useStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of options.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    values = prompts.length === 1 ? [text] : text.split(/\r?\n/);
    if (values.length !== prompts.length) {
      throw new UsageError(`Expected ${prompts.length} lines on stdin (one per secret), got ${values.length}; nothing was stored`);
    }
  } else if (options.stdin.isTTY) {
    const { default: password } = await import('@inquirer/password');
    values = [];
    for (const prompt of prompts) values.push(await password({ message: prompt, mask: false }));
  } else {
    throw new UsageError('stdin is not a terminal, so there is nowhere to prompt for the secret', 'Pipe the secret in and pass --stdin, e.g. `printf %s "$SECRET" | mcp-auth-proxy login NAME --stdin`.');
  }
  if (values.some((value) => value === '')) throw new UsageError('A secret is empty; nothing was stored');
  return values;
}
