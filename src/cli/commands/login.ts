// `mcp-auth-proxy login <server>`: store what the server's auth needs in the
// keychain (hidden prompt, or --stdin; never argv), optionally creating the
// server entry first, after proving it upstream with one signed MCP request:
// a secret the server refuses never replaces one that works (--no-verify
// stores at once). OAuth servers sign in through the browser instead (see
// ../login-oauth.ts). Running daemons are told to use what changed.
import { createSigner } from '../../auth/index.js';
import { credentialReferences } from '../../config/credential-refs.js';
import { loadConfig } from '../../config/load.js';
import { userConfigFile } from '../../config/paths.js';
import { isCommandServer, serverNameSchema, serverSchema, type ServerConfig } from '../../config/schema.js';
import { setServerField, upsertServer } from '../../config/user-file.js';
import { tellDaemons } from '../notify-daemons.js';
import { resolveServerUrl } from '../../proxy/upstreams.js';
import { urlReferences } from '../../secrets/url-references.js';
import { actsAsCaller } from '../../config/team-values.js';
import { AppError, EXIT_USAGE, UsageError } from '../../errors.js';
import { enteredSecretResolver, verifyServer } from '../../doctor/signed-request.js';
import { openStores } from '../../secrets/stores.js';
import { configWarnings, print, type CommandContext } from '../context.js';
import { newServer, serverEntry, type NewServerFlags } from '../new-server.js';
import { enterSecrets, keychainSecrets, storeEntered } from '../login-secrets.js';
import { nextStep } from '../next-step.js';
import { checkSecretInput } from '../read-secret.js';
import { unknownServer } from '../server-lookup.js';
import { INSECURE_WARNING, noKeychain } from '../store-secret.js';

export interface LoginOptions extends NewServerFlags {
  config?: string;
  stdin?: boolean;
  verify?: boolean;
  browser?: boolean;
  timeout?: number;
  insecureStorage?: boolean;
}

export async function login(ctx: CommandContext, name: string, options: LoginOptions, stdin: NodeJS.ReadableStream = process.stdin): Promise<void> {
  checkServerName(name);
  const progress = (text: string) => ctx.stderr.write(`${ctx.redactor.redact(text)}\n`);
  const creating = options.url !== undefined;
  const created = creating ? newServer(name, options) : undefined;
  const { server, saveEdit } = created ? { server: created, saveEdit: undefined } : await existingServer(ctx, name, options);
  // What changes the config (a new entry, a new act-as user) is written only once the secrets are stored.
  const saveConfig = async () => {
    if (created) {
      const file = userConfigFile(ctx.env);
      await upsertServer(file, name, serverEntry(created));
      progress(`Added server "${name}" to ${file}`);
    }
    await saveEdit?.();
  };
  const stores = openStores(ctx.env);
  const oauth = !isCommandServer(server) && server.auth.type === 'oauth';
  if (!oauth && keychainSecrets(server).length > 0) checkSecretInput({ stdin, useStdin: Boolean(options.stdin) });
  // Before anything is typed: a keychain that cannot take the secret is said now, not after the check.
  if (options.insecureStorage) progress(INSECURE_WARNING);
  else if (keychainSecrets(server).length > 0 || oauth) await stores.keychain.get('mcp-auth-proxy-probe').catch((error: unknown) => Promise.reject(noKeychain(error)));
  if (isCommandServer(server)) {
    const { loginCommand } = await import('../login-command.js');
    return loginCommand(ctx, { name, server, options, stdin, stores, progress });
  }

  if (server.auth.type === 'oauth') {
    // The OAuth client (oauth4webapi, the SDK's discovery helpers) loads only for OAuth servers.
    const { loginOAuth } = await import('../login-oauth.js');
    await loginOAuth(ctx, { name, server, creating, options, progress, stdin, stores, saveConfig });
    print(ctx, await nextStep(ctx, name, { ...(options.config ? { config: options.config } : {}), followed: await tellDaemons(ctx, name) }));
    return;
  }

  const wanted = keychainSecrets(server);
  if (wanted.length === 0) {
    const from = credentialReferences(server.auth).map((r) => `${r.field} from ${r.reference}`);
    print(ctx, `Server "${name}" needs no stored secret (auth ${server.auth.type}${from.length ? `, ${from.join(', ')}` : ''}).`);
    await saveConfig();
    print(ctx, await nextStep(ctx, name, { ...(options.config ? { config: options.config } : {}), followed: await tellDaemons(ctx, name) }));
    return;
  }

  const entered = await enterSecrets(ctx, name, wanted, options, stdin);
  // A server that acts as each caller has no user to check with here: its first caller's request is the check.
  const perCaller = actsAsCaller(server.auth);
  if (perCaller && options.verify !== false) progress(`Not checking it upstream: "${name}" acts as each caller (team mode), so there is no user to check with here; \`mcp-auth-proxy doctor\` and the first request will.`);
  if (options.verify !== false && !perCaller) {
    progress(`Checking it with one signed initialize request to ${server.url} ...`);
    const entry = enteredSecretResolver(entered, ctx.env);
    const signer = await createSigner(server.auth, { server: name, url: server.url, secrets: entry });
    // A URL with a secret in it is checked with the value just typed.
    const target = urlReferences(server.url).length > 0 ? { ...server, url: await resolveServerUrl(name, server, entry) } : server;
    const result = await verifyServer({ name, server: target, signer });
    if (!result.ok && result.status === undefined) {
      throw new AppError('VERIFY_UNREACHABLE', `Nothing was stored: the check could not reach ${server.url}: ${result.detail}`, {
        hint: `Run \`mcp-auth-proxy doctor\` to check DNS, TCP and TLS to it, or store the secret without the check: \`mcp-auth-proxy login ${name} --no-verify\`.`,
      });
    }
    if (!result.ok) {
      throw new AppError('VERIFY_FAILED', `Nothing was stored: ${server.url} refused the signed request: ${result.detail}`, {
        hint: `Check the credential and run \`mcp-auth-proxy login ${name}\` again (whatever was stored before still is), or --no-verify to store it unchecked.`,
      });
    }
    print(ctx, `✓ ${server.url} accepted the signed request (${result.detail}).`);
  }
  const where = await storeEntered(stores, entered, options);
  // Only once the secrets are safely stored does the config gain references to them: nothing half-written.
  await saveConfig();
  const what = wanted.map((r) => `the ${r.label}`).join(' and ');
  print(ctx, `Stored ${what} for "${name}" in the ${where} (${wanted.map((r) => `keychain:${r.account}`).join(', ')}).`);
  print(ctx, await nextStep(ctx, name, { ...(options.config ? { config: options.config } : {}), followed: await tellDaemons(ctx, name) }));
}

/** A name the config would refuse (reserved, or characters a URL path cannot carry) is refused before anything is asked or written. */
function checkServerName(name: string): void {
  const parsed = serverNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new AppError('BAD_SERVER_NAME', `"${name}" cannot be a server name: ${parsed.error.issues.map((i) => i.message).join('; ')}`, {
      hint: 'Pick a name of letters, digits, "-" and "_" that is not mcp, healthz, readyz, statusz, metrics, authorize, token or register; nothing was stored.',
      exitCode: EXIT_USAGE,
    });
  }
}


/**
 * The configured server. With `--user`, the act-as server as it will be (the
 * whole entry, headers included, for the check) and the edit to the user
 * config that makes it so, for the caller to save once the token is stored.
 */
async function existingServer(ctx: CommandContext, name: string, options: LoginOptions): Promise<{ server: ServerConfig; saveEdit?: () => Promise<void> }> {
  const { config, provenance } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), warn: configWarnings(ctx) });
  const server = config.servers[name];
  if (!server) throw unknownServer(name, config, `To add it: mcp-auth-proxy login ${name} --url URL --type hmac --key-id KEY_ID`);
  if (options.user === undefined) return { server };
  if (isCommandServer(server) || server.auth.type !== 'act-as') throw new UsageError(`--user applies to act-as servers; "${name}" ${isCommandServer(server) ? 'is a command server' : `uses ${server.auth.type}`}`);
  const file = userConfigFile(ctx.env);
  const source = provenance.get(`servers.${name}.auth.user`) ?? provenance.get(`servers.${name}.url`);
  if (source !== file) {
    throw new UsageError(`servers.${name} is defined in ${source ?? 'another layer'}, not in ${file}`, `Set servers.${name}.auth.user there instead.`);
  }
  const updated = serverSchema.safeParse({ ...server, auth: { ...server.auth, user: options.user } });
  if (!updated.success) throw new UsageError(`--user: ${updated.error.issues.map((i) => i.message).join('; ')}`);
  const user = options.user;
  return {
    server: updated.data,
    saveEdit: async () => {
      await setServerField(file, name, ['auth', 'user'], user);
      ctx.stderr.write(`Set servers.${name}.auth.user to ${user} in ${file}\n`);
    },
  };
}
