// `mcp-auth-proxy login <server>`: store what the server's auth needs in the
// keychain (hidden prompt, or --stdin; never argv), optionally creating the
// server entry first, then prove it with one signed MCP request.
import { userConfigFile } from '../../config/paths.js';
import { serverSchema, type ServerConfig } from '../../config/schema.js';
import { upsertServer } from '../../config/user-file.js';
import { AppError, SecretError, UsageError } from '../../errors.js';
import { openStores } from '../../secrets/stores.js';
import type { SecretStore } from '../../secrets/store.js';
import { print, type CommandContext } from '../context.js';
import { readSecret } from '../read-secret.js';
import { keychainAccount, loadServer } from '../server-lookup.js';
import { enteredSecretResolver, verifyServer } from '../../doctor/signed-request.js';

export interface LoginOptions {
  config?: string;
  url?: string;
  type?: string;
  keyId?: string;
  stdin?: boolean;
  verify?: boolean;
  insecureStorage?: boolean;
}

export async function login(ctx: CommandContext, name: string, options: LoginOptions, stdin: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const progress = (text: string) => ctx.stderr.write(`${text}\n`);
  const creating = options.url !== undefined;
  const server = creating
    ? newServer(name, options)
    : await loadServer(ctx, name, options.config, `To add it: mcp-auth-proxy login ${name} --url URL --type hmac --key-id KEY_ID`);
  const account = keychainAccount(server);
  if (account === undefined) {
    print(ctx, `Server "${name}" needs no stored secret (auth ${server.auth.type}${'secret' in server.auth ? `, secret from ${server.auth.secret}` : ''}).`);
    if (creating) await upsertServer(userConfigFile(ctx.env), name, serverEntry(server));
    return;
  }

  const secret = await readSecret({ stdin, useStdin: Boolean(options.stdin), prompt: `Secret for ${name} (${server.auth.type}, input hidden): ` });
  ctx.redactor.add(secret);
  const stores = openStores(ctx.env);
  const where = await store(stores.keychain, options.insecureStorage ? stores.file : undefined, account, secret, progress);
  // Only once the secret is safely stored does the config gain a reference to it: nothing half-written.
  if (creating) {
    const file = userConfigFile(ctx.env);
    await upsertServer(file, name, serverEntry(server));
    progress(`Added server "${name}" to ${file}`);
  }
  print(ctx, `Stored the secret for "${name}" in the ${where.label} (keychain:${account}).`);

  if (options.verify !== false) {
    progress(`Checking it with one signed initialize request to ${server.url} ...`);
    const result = await verifyServer({ name, server, secrets: enteredSecretResolver(secret) });
    if (!result.ok && result.status === undefined) {
      throw new AppError('VERIFY_UNREACHABLE', `The secret is stored, but the check could not reach ${server.url}: ${result.detail}`, {
        hint: 'Run `mcp-auth-proxy doctor` to check DNS, TCP and TLS to it.',
      });
    }
    if (!result.ok) {
      throw new AppError('VERIFY_FAILED', `The secret is stored, but ${server.url} refused the signed request: ${result.detail}`, {
        hint: `Check the key id and secret, then run \`mcp-auth-proxy login ${name}\` again (or --no-verify to skip this check).`,
      });
    }
    print(ctx, `✓ ${server.url} accepted the signed request (${result.detail}).`);
  }
  print(ctx, `Next: \`mcp-auth-proxy start\`, then point your agent at http://127.0.0.1:8787/${name}/mcp.`);
}

function newServer(name: string, options: LoginOptions): ServerConfig {
  const type = options.type ?? 'hmac';
  const auth = type === 'hmac' ? { type, keyId: options.keyId, secret: `keychain:${name}` } : { type };
  const parsed = serverSchema.safeParse({ url: options.url, auth });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'server'}: ${i.message}`).join('; ');
    throw new UsageError(`Cannot create server "${name}": ${problems}`, 'Example: mcp-auth-proxy login gateway --url https://mcp.corp.example/api/mcp --type hmac --key-id KEY_ID');
  }
  return parsed.data;
}



/** What goes into the config file: the entry as the user would write it (no defaults spelled out). */
function serverEntry(server: ServerConfig): Record<string, unknown> {
  return { url: server.url, auth: server.auth };
}

async function store(
  keychain: SecretStore,
  insecure: SecretStore | undefined,
  account: string,
  secret: string,
  progress: (text: string) => void,
): Promise<SecretStore> {
  if (insecure) {
    progress(`warning: --insecure-storage keeps the secret in a plain 0600 file, not the OS keychain.`);
    await insecure.set(account, secret);
    return insecure;
  }
  try {
    await keychain.set(account, secret);
    return keychain;
  } catch (error) {
    if (error instanceof SecretError && error.code === 'KEYCHAIN_UNAVAILABLE') {
      throw new SecretError(
        'KEYCHAIN_UNAVAILABLE',
        'No OS keychain is available here, so nothing was stored',
        'Re-run with --insecure-storage to keep the secret in a 0600 file under your config dir (as `gh` does), or use env:VAR / file:PATH references.',
        error,
      );
    }
    throw error;
  }
}
