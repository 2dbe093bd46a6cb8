// The secrets a login asks for: the keychain references of a server's auth,
// read at a hidden prompt or from stdin, and stored once the login is good.
import { serverCredentialReferences, type CredentialReference } from '../config/credential-refs.js';
import type { ServerConfig } from '../config/schema.js';
import { parseSecretReference } from '../secrets/reference.js';
import type { Stores } from '../secrets/stores.js';
import type { CommandContext } from './context.js';
import { readSecrets } from './read-secret.js';
import { storeSecret } from './store-secret.js';

/** A keychain reference of the server's auth, with the account it names. */
export type WantedSecret = CredentialReference & { account: string };

/** The keychain references among the server's secret fields (a command server: of its env). */
export function keychainSecrets(server: ServerConfig): WantedSecret[] {
  return serverCredentialReferences(server).flatMap((ref) => {
    const parsed = parseSecretReference(ref.reference);
    return parsed?.kind === 'keychain' ? [{ ...ref, account: parsed.account }] : [];
  });
}

/** Reads the secrets for `wanted` (prompt or stdin): account → value, each registered for redaction. */
export async function enterSecrets(ctx: CommandContext, name: string, wanted: WantedSecret[], options: { stdin?: boolean }, stdin: NodeJS.ReadableStream): Promise<Map<string, string>> {
  const values = await readSecrets(
    { stdin, useStdin: Boolean(options.stdin) },
    wanted.map((ref) => ({ prompt: `${ref.label[0]?.toUpperCase()}${ref.label.slice(1)} for ${name} (input hidden): `, multiline: ref.label.includes('(PEM)') })),
  );
  values.forEach((value) => ctx.redactor.add(value));
  return new Map(wanted.map((ref, i) => [ref.account, values[i] as string]));
}

/** Stores what was entered; returns the store's label. */
export async function storeEntered(stores: Stores, entered: Map<string, string>, options: { insecureStorage?: boolean }): Promise<string> {
  let where = stores.keychain.label;
  for (const [account, value] of entered) where = (await storeSecret(stores.keychain, options.insecureStorage ? stores.file : undefined, account, value)).label;
  return where;
}
