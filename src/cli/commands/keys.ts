// `mcp-auth-proxy keys create|list|revoke`: the API keys of team mode. A key
// is printed once, at creation; the store keeps only a keyed hash of it, with
// the user, groups and expiry. A running proxy reads the store at every key
// check, so a revoked key is refused by the next request. With `redis` in
// the config the keys are kept there, for every replica (within a second).
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { silentLogger } from '../../observability/logger.js';
import { openResolver } from '../../secrets/stores.js';
import { openRedis } from '../../state/open.js';
import { SharedKeyStore } from '../../state/shared-keys.js';
import type { KeyRecord } from '../../identity/key-store.js';
import { isEmail } from '../../identity/principal.js';
import { KeyStore, defaultKeyStoreFile, type KeyView } from '../../identity/key-store.js';
import { AppError, UsageError } from '../../errors.js';
import { configWarnings, print, type CommandContext } from '../context.js';

interface StoreOptions {
  config?: string;
  json?: boolean;
}

export async function createKey(ctx: CommandContext, user: string, options: StoreOptions & { group?: string[]; expires?: string }): Promise<void> {
  if (!isEmail(user)) throw new UsageError(`"${user}" is not an email address`, 'Keys belong to a person: `mcp-auth-proxy keys create ann@acme.com`.');
  const expires = options.expires === undefined ? undefined : expiry(options.expires);
  const { key, record } = await withStore(ctx, options, (store) => store.create(user.toLowerCase(), options.group ?? [], expires));
  ctx.redactor.add(key);
  if (options.json) {
    // The one place the key is shown: written raw, not through the redactor that now knows it.
    ctx.stdout.write(`${JSON.stringify({ key, id: record.id, user: record.user, groups: record.groups, created: record.created, ...(record.expires ? { expires: record.expires } : {}) }, null, 2)}\n`);
    return;
  }
  ctx.stdout.write(`${key}\n`);
  ctx.stderr.write(
    `Created key ${record.id} for ${record.user}${record.groups.length ? ` (groups: ${record.groups.join(', ')})` : ''}${record.expires ? `, expiring ${record.expires}` : ''}.\n` +
      'It is shown only this once: give it to its owner, who sets it in their agent as `Authorization: Bearer <key>`.\n',
  );
}

export async function listKeys(ctx: CommandContext, options: StoreOptions): Promise<void> {
  const { label, keys } = await withStore(ctx, options, async (store) => ({ label: store.label, keys: await store.list() }));
  if (options.json) {
    print(ctx, JSON.stringify({ store: label, keys }, null, 2));
    return;
  }
  if (keys.length === 0) {
    print(ctx, `No keys in ${label}. Create one with \`mcp-auth-proxy keys create <email>\`.`);
    return;
  }
  for (const key of keys) print(ctx, describe(key));
}

export async function revokeKey(ctx: CommandContext, id: string, options: StoreOptions): Promise<void> {
  const { label, revoked, shared } = await withStore(ctx, options, async (store) => ({ label: store.label, revoked: await store.revoke(id), shared: store.shared }));
  if (!revoked) throw new AppError('KEY_NOT_FOUND', `No key with id "${id}" in ${label}`, { hint: 'See the ids with `mcp-auth-proxy keys list`.' });
  print(ctx, `Revoked key ${id}: ${shared ? 'every replica refuses it within a second' : 'a running proxy refuses it from the next request'}.`);
}

/** The key store as the commands use it: the file, or Redis when the config names one. */
interface Store {
  label: string;
  shared: boolean;
  create(user: string, groups: string[], expires?: Date): Promise<{ key: string; record: KeyRecord }>;
  list(): Promise<KeyView[]>;
  revoke(id: string): Promise<boolean>;
}

async function withStore<T>(ctx: CommandContext, options: StoreOptions, use: (store: Store) => Promise<T>): Promise<T> {
  const config = await loadKeysConfig(ctx, options);
  if (!config.redis) {
    const store = new KeyStore(storeFile(ctx, config));
    return use({
      label: store.file,
      shared: false,
      create: async (user, groups, expires) => store.create(user, groups, expires),
      list: async () => store.list(),
      revoke: async (id) => store.revoke(id),
    });
  }
  const redis = await openRedis(config, openResolver(ctx.env, ctx.redactor), silentLogger());
  try {
    if (!redis?.ready()) throw new AppError('REDIS_UNREACHABLE', `Cannot reach Redis at ${config.redis.url}: the API keys are kept there`, { hint: 'Check redis.url (and redis.password) in the config, and that Redis is running.' });
    const store = new SharedKeyStore(redis);
    return await use({ label: store.label, shared: true, create: (u, g, e) => store.create(u, g, e), list: () => store.list(), revoke: (id) => store.revoke(id) });
  } finally {
    await redis?.close();
  }
}

function describe(key: KeyView): string {
  const expired = key.expires !== undefined && Date.parse(key.expires) <= Date.now();
  return [
    key.id,
    key.user,
    key.groups.length ? `groups ${key.groups.join(',')}` : 'no groups',
    `created ${key.created}`,
    key.expires ? `${expired ? 'EXPIRED' : 'expires'} ${key.expires}` : 'no expiry',
    key.lastUsed ? `last used ${key.lastUsed}` : 'never used',
  ].join('  ');
}

async function loadKeysConfig(ctx: CommandContext, options: StoreOptions): Promise<Config> {
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), warn: configWarnings(ctx) });
  if (!config.identity?.some((m) => m.type === 'apiKey')) ctx.stderr.write('note: no "apiKey" identity method is configured yet: keys are accepted once "identity" lists { "type": "apiKey" } (team mode).\n');
  return config;
}

/** The store the config's apiKey method names, else the default in the state directory. */
function storeFile(ctx: CommandContext, config: Config): string {
  const method = config.identity?.find((m) => m.type === 'apiKey');
  return (method?.type === 'apiKey' ? method.store : undefined) ?? defaultKeyStoreFile(ctx.env);
}

const UNITS_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `90d`, `12h`, `4w`, or a date; in the future. */
export function expiry(text: string, now: number = Date.now()): Date {
  const relative = /^(\d+)([hdw])$/.exec(text.trim());
  const at = relative ? now + Number(relative[1]) * (UNITS_MS[relative[2] as string] as number) : Date.parse(text);
  if (!Number.isFinite(at) || at <= now) throw new UsageError(`--expires ${JSON.stringify(text)} is not a time in the future`, 'Write e.g. 90d, 12h, 4w or a date such as 2027-06-30.');
  return new Date(at);
}
