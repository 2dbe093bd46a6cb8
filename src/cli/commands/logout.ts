// `mcp-auth-proxy logout <server>`: remove what login stored for the server
// (keychain entry, and any insecure-file copy). The config entry stays.
import { SecretError } from '../../errors.js';
import { openStores } from '../../secrets/stores.js';
import { print, type CommandContext } from '../context.js';
import { keychainAccount, loadServer } from '../server-lookup.js';

export async function logout(ctx: CommandContext, name: string, options: { config?: string }): Promise<void> {
  const account = keychainAccount(await loadServer(ctx, name, options.config));
  if (account === undefined) {
    print(ctx, `Server "${name}" keeps no secret in the keychain; nothing to remove.`);
    return;
  }
  const stores = openStores(ctx.env);
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
  print(ctx, removed.length ? `Removed keychain:${account} from the ${removed.join(' and the ')}.` : `Nothing was stored for keychain:${account}.`);
}
