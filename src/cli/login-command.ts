// `login <server>` for a command server: the keychain references of its
// env are asked for (hidden prompt or --stdin, never argv), the command is
// started once with them to prove it starts (initialize and tools/list
// answered; --no-verify skips it), and only then are they stored. Running
// daemons are told, and start new processes with the new values for new
// sessions while the old ones drain.
import type { CommandServerConfig } from '../config/command-schema.js';
import { serverCredentialReferences } from '../config/credential-refs.js';
import { enteredSecretResolver } from '../doctor/signed-request.js';
import { AppError } from '../errors.js';
import type { Stores } from '../secrets/stores.js';
import { print, type CommandContext } from './context.js';
import type { LoginOptions } from './commands/login.js';
import { enterSecrets, keychainSecrets, storeEntered } from './login-secrets.js';
import { nextStep } from './next-step.js';
import { tellDaemons } from './notify-daemons.js';

export interface CommandLogin {
  name: string;
  server: CommandServerConfig;
  options: LoginOptions;
  stdin: NodeJS.ReadableStream;
  stores: Stores;
  progress: (text: string) => void;
}

export async function loginCommand(ctx: CommandContext, request: CommandLogin): Promise<void> {
  const { name, server, options, stdin, stores, progress } = request;
  const next = async () => print(ctx, await nextStep(ctx, name, { ...(options.config ? { config: options.config } : {}), followed: await tellDaemons(ctx, name) }));
  const wanted = keychainSecrets(server);
  if (wanted.length === 0) {
    const from = serverCredentialReferences(server).map((r) => `${r.field} from ${r.reference}`);
    print(ctx, `Server "${name}" needs no stored secret (a command server${from.length ? `; ${from.join(', ')}` : ''}).`);
    return next();
  }
  const entered = await enterSecrets(ctx, name, wanted, options, stdin);
  if (options.verify !== false) {
    progress(`Checking it by starting ${server.command} once (initialize and tools/list) ...`);
    const { probeCommand } = await import('../upstreams/stdio/probe.js');
    const result = await probeCommand(name, server, enteredSecretResolver(entered, ctx.env), ctx.redactor, ctx.env);
    if (!result.ok) {
      throw new AppError('VERIFY_FAILED', `Nothing was stored: "${name}" did not start with it: ${result.detail}`, {
        hint: `Check the command and the value, then run \`mcp-auth-proxy login ${name}\` again (whatever was stored before still is), or --no-verify to store it unchecked.`,
      });
    }
    print(ctx, `✓ ${name} ${result.detail}.`);
  }
  const where = await storeEntered(stores, entered, options);
  print(ctx, `Stored ${wanted.map((r) => r.field.replace(/^env\./, '')).join(' and ')} for "${name}" in the ${where} (${wanted.map((r) => `keychain:${r.account}`).join(', ')}).`);
  return next();
}
