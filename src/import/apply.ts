// `import --write`: nothing changes unless everything can. The rewritten
// agent file is made and checked first; then the backup's key and every
// secret go to the keychain; then the sealed backup is written, the servers
// are added to the user config, and only then is the agent's file replaced
// (atomically, its mode kept). What was done is recorded for `--undo`.
import { createHash, randomUUID } from 'node:crypto';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { userConfigFile } from '../config/paths.js';
import { anyServerSchema } from '../config/schema.js';
import { upsertServer } from '../config/user-file.js';
import { storeSecret } from '../cli/store-secret.js';
import { target } from '../clients/write.js';
import { fileError } from '../clients/file-errors.js';
import { AppError } from '../errors.js';
import type { Stores } from '../secrets/stores.js';
import type { AgentFile } from './agent-file.js';
import type { ImportedEntry } from './found.js';
import { readImports, writeImports, type ImportRecord } from './records.js';
import { rewriteAgentFile, type RewriteOptions } from './rewrite.js';
import { seal } from './sealed-backup.js';

export interface ApplyOptions extends RewriteOptions {
  env: NodeJS.ProcessEnv;
  stores: Stores;
  insecureStorage: boolean;
  force: boolean;
  now?: Date;
}

export interface Applied {
  record: ImportRecord;
  /** Where the secrets went (the store's label). */
  storedIn: string;
}

export async function applyImport(file: AgentFile, imported: ImportedEntry[], options: ApplyOptions): Promise<Applied> {
  const userFile = userConfigFile(options.env);
  const existing = await userServers(userFile);
  const clashing = imported.filter((plan) => existing[plan.name] !== undefined && !isDeepStrictEqual(existing[plan.name], plan.server));
  if (clashing.length > 0 && !options.force) {
    throw new AppError('ENTRY_EXISTS', `${userFile} already has a different ${clashing.map((p) => `"${p.name}"`).join(', ')}`, { hint: 'Nothing was changed. Pass --force to replace it, or import the others by name.' });
  }
  for (const plan of imported) {
    const checked = anyServerSchema.safeParse(plan.server);
    if (!checked.success) throw new AppError('IMPORT_INVALID', `"${plan.entry.key}" would not make a valid server: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { hint: 'Nothing was changed. Add it by hand.' });
  }
  const path = await target(file.path);
  const text = rewriteAgentFile(file, imported, options);
  const now = options.now ?? new Date();
  const id = randomUUID();
  const sealed = seal(file.bytes);
  const keyAccount = `import-backup.${id}`;
  const insecure = options.insecureStorage ? options.stores.file : undefined;
  const keyStore = await storeSecret(options.stores.keychain, insecure, keyAccount, sealed.key);
  let storedIn = keyStore.label;
  const secrets = [...new Map(imported.flatMap((plan) => plan.secrets.map((s) => [s.account, s.value] as const))).entries()];
  for (const [account, value] of secrets) storedIn = (await storeSecret(options.stores.keychain, insecure, account, value)).label;
  const backup = `${path}.bak-${now.toISOString().replace(/[:.]/g, '-')}.sealed`;
  const mode = await stat(path).then((s) => s.mode & 0o777, (error: unknown) => Promise.reject(fileError(error, path, 'read')));
  try {
    await writeFile(backup, sealed.bytes, { mode: 0o600 });
  } catch (error) {
    await keyStore.delete(keyAccount).catch(() => false);
    throw fileError(error, backup, 'write');
  }
  const temp = `${path}.${process.pid}.tmp`;
  try {
    for (const plan of imported) await upsertServer(userFile, plan.name, plan.server as Record<string, unknown>);
    await writeFile(temp, text, { mode });
    // The client token is now in the file: only this user may read it.
    if (options.headers) await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    // The agent's file is as it was: its backup (and the backup's key) would only be litter. The secrets stay stored.
    await rm(temp, { force: true }).catch(() => undefined);
    await rm(backup, { force: true }).catch(() => undefined);
    await keyStore.delete(keyAccount).catch(() => false);
    throw error instanceof AppError ? error : fileError(error, path, 'write');
  }
  const record: ImportRecord = {
    id,
    client: file.client,
    file: path,
    backup,
    keyAccount,
    before: sha256(file.bytes),
    after: sha256(Buffer.from(text, 'utf8')),
    mode,
    servers: [...new Set(imported.map((p) => p.name))],
    secrets: secrets.map(([account]) => account),
    at: now.toISOString(),
  };
  await writeImports(options.env, [...(await readImports(options.env)), record]);
  return { record, storedIn };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function userServers(file: string): Promise<Record<string, unknown>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { servers?: Record<string, unknown> };
    return typeof parsed.servers === 'object' && parsed.servers !== null ? parsed.servers : {};
  } catch {
    return {};
  }
}
