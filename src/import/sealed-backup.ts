// The backup `import` keeps of an agent's config file holds the tokens it
// moved out of that file, so it cannot sit beside it in clear: it is sealed
// (AES-256-GCM) with a random key that goes to the keychain with the tokens.
// `import --undo` opens it and writes the original bytes back, exactly.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

const MAGIC = Buffer.from('MCPAPSEAL1');

export interface Sealed {
  /** What goes in the backup file: a header, the nonce, the tag, the ciphertext. */
  bytes: Buffer;
  /** The key (base64), for the keychain. */
  key: string;
}

export function seal(plain: Buffer): Sealed {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { bytes: Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]), key: key.toString('base64') };
}

export function unseal(bytes: Buffer, key: string, file: string): Buffer {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new AppError('BACKUP_UNREADABLE', `${file} is not a backup mcp-auth-proxy sealed`);
  const iv = bytes.subarray(MAGIC.length, MAGIC.length + 12);
  const tag = bytes.subarray(MAGIC.length + 12, MAGIC.length + 28);
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(bytes.subarray(MAGIC.length + 28)), decipher.final()]);
  } catch (cause) {
    throw new AppError('BACKUP_UNREADABLE', `${file} does not open with the key kept for it (changed or damaged)`, { hint: 'Restore the file by hand; the tokens are in your keychain under the accounts import named.', cause });
  }
}
