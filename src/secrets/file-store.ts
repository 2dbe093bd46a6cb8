// The insecure fallback store for machines with no keychain (`login
// --insecure-storage`, as gh does): a JSON file of account → secret, mode
// 0600 under the user config dir. Refused when its mode is looser; the caller
// warns every time it is used.
import { chmod, readFile, rename, stat, writeFile, mkdir } from 'node:fs/promises';
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

  private async read(): Promise<Record<string, string>> {
    let mode: number;
    try {
      mode = (await stat(this.path)).mode;
    } catch {
      return {};
    }
    if (this.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new SecretError(
        'SECRET_FILE_MODE',
        `${this.path} has mode ${(mode & 0o777).toString(8)}; other users can read it`,
        `Run \`chmod 600 ${this.path}\`.`,
      );
    }
    const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
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
