// The insecure fallback store for machines with no keychain (`login
// --insecure-storage`, as gh does): a JSON file of account → secret, mode
// 0600 under the user config dir. Refused unless only the user controls it; the caller
// warns every time it is used.
import { chmod, rename, writeFile, mkdir } from 'node:fs/promises';
import { readSecretFile } from '../config/file-safety.js';
import { dirname, join } from 'node:path';
import { SecretError } from '../errors.js';
import { userConfigDir } from '../config/paths.js';
import type { SecretStore } from './store.js';

export function insecureStorePath(env: NodeJS.ProcessEnv): string {
  return join(userConfigDir(env), 'secrets.insecure.json');
}

export class FileStore implements SecretStore {
  readonly label = 'insecure file store';

  constructor(
    readonly path: string,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  /** The stored values; the file must be one only the user controls (see readSecretFile), or it is refused. */
  private async read(): Promise<Record<string, string>> {
    const read = await readSecretFile(this.path, { platform: this.platform });
    if (read.kind === 'missing') return {};
    if (read.kind === 'unreadable') throw new SecretError('SECRET_FILE_MISSING', `cannot read ${this.path} (${read.error.code ?? read.error.message})`, 'Check its permissions.', read.error);
    if (read.kind === 'unsafe') {
      throw new SecretError(read.unsafe.kind === 'readable' ? 'SECRET_FILE_MODE' : 'SECRET_FILE_UNSAFE', `${this.path} ${read.unsafe.problem}`, read.unsafe.fix);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(read.text);
    } catch {
      throw new SecretError('SECRET_FILE_CORRUPT', `${this.path} is not valid JSON`, `Move it away and store the secrets again with \`mcp-auth-proxy login <server> --insecure-storage\`.`);
    }
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
  }

  private async write(values: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.path);
  }

  async get(account: string): Promise<string | undefined> {
    return (await this.read())[account];
  }

  async set(account: string, value: string): Promise<void> {
    const values = await this.read();
    values[account] = value;
    await this.write(values);
  }

  async delete(account: string): Promise<boolean> {
    const values = await this.read();
    if (!(account in values)) return false;
    delete values[account];
    await this.write(values);
    return true;
  }
}
