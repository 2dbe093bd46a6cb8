// `import --undo`: the agent's file as it was before the last import for
// that client, byte for byte, from the sealed backup and the key in the
// keychain. Refused when the file changed since (unless --force: those
// changes would be lost). The servers stay in the proxy's config and the
// secrets in the keychain; `logout` and an edit of the config remove them.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { AppError, SecretError } from '../errors.js';
import type { Stores } from '../secrets/stores.js';
import { sha256 } from './apply.js';
import { readImports, writeImports, type ImportRecord } from './records.js';
import { unseal } from './sealed-backup.js';

export interface UndoOptions {
  env: NodeJS.ProcessEnv;
  stores: Stores;
  client: string;
  /** Only the import of this file. */
  file?: string;
  force: boolean;
}

export async function undoImport(options: UndoOptions): Promise<ImportRecord> {
  const imports = await readImports(options.env);
  const record = [...imports].reverse().find((r) => r.client === options.client && (options.file === undefined || r.file === options.file));
  if (!record) throw new AppError('NOTHING_TO_UNDO', `No import for ${options.client}${options.file ? ` of ${options.file}` : ''} to undo`, { hint: 'Imports are recorded by `mcp-auth-proxy import --write`.' });
  const current = await readFile(record.file).catch(() => undefined);
  if (current !== undefined && sha256(current) !== record.after && !options.force) {
    throw new AppError('CHANGED_SINCE_IMPORT', `${record.file} changed since the import (${record.at})`, { hint: 'Restoring it would lose those changes; pass --force to restore it anyway.' });
  }
  const key = await readKey(options.stores, record.keyAccount);
  const original = unseal(await readFile(record.backup), key, record.backup);
  if (sha256(original) !== record.before) throw new AppError('BACKUP_UNREADABLE', `${record.backup} does not hold the file as it was`, { hint: 'Restore the file by hand.' });
  const temp = `${record.file}.${process.pid}.tmp`;
  await writeFile(temp, original, { mode: record.mode });
  await rename(temp, record.file);
  await rm(record.backup, { force: true });
  await options.stores.keychain.delete(record.keyAccount).catch(() => false);
  await options.stores.file.delete(record.keyAccount).catch(() => false);
  await writeImports(options.env, imports.filter((r) => r.id !== record.id));
  return record;
}

async function readKey(stores: Stores, account: string): Promise<string> {
  let value: string | undefined;
  try {
    value = await stores.keychain.get(account);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
  }
  value ??= await stores.file.get(account);
  if (value === undefined) throw new AppError('BACKUP_KEY_MISSING', `The key of the backup (keychain:${account}) is not in the keychain`, { hint: 'Restore the file by hand.' });
  return value;
}
