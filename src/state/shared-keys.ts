// Team mode's API keys in Redis, when replicas share one (config `redis`):
// `keys create|revoke` write the record (the same keyed hash as the file
// store, with a pepper kept in Redis and made once) and bump a version; each
// replica keeps a copy in memory, re-read whenever the version moves (checked
// every quarter second), so a key created or revoked anywhere counts on every
// replica within a second while each check stays a lookup in memory. With
// Redis away the last copy stays in force; before any copy was read, every
// key is refused (fail closed).
import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { MALFORMED, UNKNOWN, matchKey, newKey, secretOf, wellFormed, withExpiry, type KeyCheck, type KeyRecord, type KeyView } from '../identity/key-store.js';
import type { SharedRedis } from './redis.js';
import { withinMs } from './within.js';

/** How often a replica asks whether the keys changed. */
const POLL_MS = 250;

export class SharedKeyStore {
  private records = new Map<string, KeyRecord & { expiresAt?: number }>();
  private hashes = new Map<string, Buffer>();
  private pepper: Buffer | undefined;
  private version: string | null | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private readonly used = new Map<string, number>();
  private usedTimer: NodeJS.Timeout | undefined;
  private readonly keys: { records: string; version: string; pepper: string; used: string };

  constructor(
    private readonly redis: SharedRedis,
    private readonly now: () => number = Date.now,
  ) {
    const base = `${redis.prefix}api-keys`;
    this.keys = { records: base, version: `${base}:version`, pepper: `${base}:pepper`, used: `${base}:used` };
  }

  /** Where the keys are, for messages. */
  get label(): string {
    return `Redis (${this.keys.records})`;
  }

  /** Why keys are refused, when they are: no copy of the store read yet. */
  get problem(): string | undefined {
    return this.version === undefined ? 'the API keys in Redis could not be read yet (is Redis reachable?)' : undefined;
  }

  /** Reads the keys now and then follows changes (the proxy; the CLI only writes). */
  async follow(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  check(key: string): KeyCheck {
    if (!wellFormed(key)) return MALFORMED;
    if (!this.pepper) return UNKNOWN;
    const given = createHmac('sha256', this.pepper).update(secretOf(key)).digest();
    return matchKey(key, this.records, this.hashes, given, this.now());
  }

  /** Notes a key's use; written to Redis at most once a minute. */
  markUsed(id: string, at: number): void {
    this.used.set(id, at);
    this.usedTimer ??= setTimeout(() => void this.flushUsed(), 60_000).unref();
  }

  async create(user: string, groups: string[], expiresAt?: Date): Promise<{ key: string; record: KeyRecord }> {
    const pepper = await this.sharedPepper(true);
    const made = newKey(user, groups, (secret) => createHmac('sha256', pepper as Buffer).update(secret).digest(), this.now(), expiresAt);
    await this.redis.client.multi().hset(this.keys.records, made.record.id, JSON.stringify(made.record)).incr(this.keys.version).exec();
    return made;
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.redis.client.multi().hdel(this.keys.records, id).incr(this.keys.version).exec();
    return result?.[0]?.[1] === 1;
  }

  async list(): Promise<KeyView[]> {
    const [records, used] = await Promise.all([this.redis.client.hgetall(this.keys.records), this.redis.client.hgetall(this.keys.used)]);
    return Object.values(records)
      .map((text) => parseRecord(text))
      .filter((record): record is KeyRecord => record !== undefined)
      .map(({ hash: _hash, ...view }) => ({ ...view, ...(used[view.id] ? { lastUsed: used[view.id] } : {}) }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushUsed();
  }

  /**
   * A key this copy does not know may be one made a moment ago on another
   * replica: the copy is brought up to date (one read shared by every request
   * that waits for it) and the key checked again. Undefined when the first
   * check stands.
   */
  recheck(key: string, first: KeyCheck): Promise<KeyCheck> | undefined {
    if (first !== UNKNOWN || this.records.has(key.slice(5, 17))) return undefined;
    return this.poll().then(() => this.check(key));
  }

  /** Re-reads the records when the version moved; a failure keeps the copy in force. One read at a time. */
  private poll(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      const version = await withinMs(this.redis.client.get(this.keys.version));
      if (version === this.version && this.pepper) return;
      const [records, pepper] = await withinMs(Promise.all([this.redis.client.hgetall(this.keys.records), this.sharedPepper(false)]));
      const next = new Map<string, KeyRecord & { expiresAt?: number }>();
      const hashes = new Map<string, Buffer>();
      for (const text of Object.values(records)) {
        const record = parseRecord(text);
        if (!record) continue;
        next.set(record.id, withExpiry(record));
        hashes.set(record.id, Buffer.from(record.hash, 'base64url'));
      }
      this.records = next;
      this.hashes = hashes;
      if (pepper) this.pepper = pepper;
      this.version = version;
    } catch {
      // Redis away: the copy in memory stays in force until it is back (the connection logs the outage).
    }
  }

  /** The pepper every replica hashes with; made once by the first `keys create` (SET NX: two at once agree). */
  private async sharedPepper(create: boolean): Promise<Buffer | undefined> {
    const client = this.redis.client;
    if (create) await client.set(this.keys.pepper, randomBytes(32).toString('base64'), 'NX');
    const stored = await client.get(this.keys.pepper);
    if (stored === null && create) throw new AppError('KEY_STORE_UNAVAILABLE', 'Could not create the key pepper in Redis', { hint: 'Check that Redis is reachable and writable.' });
    return stored === null ? undefined : Buffer.from(stored, 'base64');
  }

  private async flushUsed(): Promise<void> {
    clearTimeout(this.usedTimer);
    this.usedTimer = undefined;
    if (this.used.size === 0) return;
    const entries = Object.fromEntries([...this.used].map(([id, at]) => [id, new Date(at).toISOString()]));
    this.used.clear();
    // Best effort: "last used" is a convenience, never a reason to fail a request.
    await this.redis.client.hset(this.keys.used, entries).catch(() => undefined);
  }
}

function parseRecord(text: string): KeyRecord | undefined {
  try {
    const record = JSON.parse(text) as KeyRecord;
    return typeof record?.id === 'string' && typeof record.hash === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}
