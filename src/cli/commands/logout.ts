// `mcp-auth-proxy logout <server>`: remove what login stored for the server
// (its keychain secrets, and any insecure-file copies; for OAuth the tokens
// and client registration, after revoking the refresh token). The config
// entry stays.
import { serverCredentialReferences } from '../../config/credential-refs.js';
import { isCommandServer } from '../../config/schema.js';
import { SecretError } from '../../errors.js';
import { OAuthCredentials } from '../../oauth/credentials.js';
import { parseSecretReference } from '../../secrets/reference.js';
import { openStores, type Stores } from '../../secrets/stores.js';
import { print, type CommandContext } from '../context.js';
import { tellDaemons } from '../notify-daemons.js';
import { loadServer } from '../server-lookup.js';

export async function logout(ctx: CommandContext, name: string, options: { config?: string }): Promise<void> {
  const server = await loadServer(ctx, name, options.config);
  const stores = openStores(ctx.env);
  if (!isCommandServer(server) && server.auth.type === 'oauth') {
    const credentials = new OAuthCredentials(name, stores);
    const tokens = await credentials.loadTokens().catch(() => undefined);
    if (tokens) {
      ctx.redactor.add(tokens.accessToken);
      if (tokens.refreshToken) ctx.redactor.add(tokens.refreshToken);
      // The OAuth client (oauth4webapi) loads only when there is a token to revoke.
      const { revokeRefreshToken } = await import('../../oauth/revoke.js');
      ctx.stderr.write(`${await revokeRefreshToken(tokens, await credentials.loadClient().catch(() => undefined))}\n`);
    }
    const removed = await credentials.clear();
    print(ctx, removed.length ? `Signed out of "${name}": removed its tokens and client registration from the ${removed.join(' and the ')}.` : `Nothing was stored for "${name}".`);
    await tellDaemons(ctx, name);
    return;
  }
  const accounts = serverCredentialReferences(server).flatMap((ref) => {
    const parsed = parseSecretReference(ref.reference);
    return parsed?.kind === 'keychain' ? [parsed.account] : [];
  });
  if (accounts.length === 0) {
    print(ctx, `Server "${name}" keeps no secret in the keychain; nothing to remove.`);
    return;
  }
  for (const account of accounts) {
    const removed = await removeEverywhere(stores, account);
    print(ctx, removed.length ? `Removed keychain:${account} from the ${removed.join(' and the ')}.` : `Nothing was stored for keychain:${account}.`);
  }
  await tellDaemons(ctx, name);
}


async function removeEverywhere(stores: Stores, account: string): Promise<string[]> {
  const removed: string[] = [];
  let keychainError: SecretError | undefined;
  try {
    if (await stores.keychain.delete(account)) removed.push(stores.keychain.label);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    keychainError = error;
  }
  if (await stores.file.delete(account)) removed.push(`${stores.file.label} (${stores.file.path})`);
  if (removed.length === 0 && keychainError) throw keychainError;
  return removed;
}
