// API keys for team mode: `keys create` makes a key, prints it once, and
// stores only a keyed hash of its secret (HMAC-SHA256 with a per-store pepper
// kept in its own 0600 file), with the user, groups and expiry. A key reads
// mapk_<id>_<secret>; the id finds the record, the secret is compared in
// constant time, and an unknown id costs the same as a wrong secret. The
// proxy re-reads the store when the file changes (a stat per check), so a
// revoked key is refused at once, with no reload.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeUnsafe, unsafeFile } from '../config/file-safety.js';
import { stateDir } from '../config/paths.js';
import { AppError } from '../errors.js';

export const KEY_PREFIX = 'mapk_';

export interface KeyRecord {
  id: string;
  user: string;
  groups: string[];
  created: string;
  expires?: string;
  /** base64url HMAC-SHA256(pepper, secret). */
  hash: string;
}

export interface KeyView extends Omit<KeyRecord, 'hash'> {
  lastUsed?: string;
}

export type KeyCheck = { record: KeyRecord } | { reason: 'malformed' | 'unknown-or-revoked' | 'expired' };

export function defaultKeyStoreFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'api-keys.json');
}

/** The file beside the store that says when each key was last used (written by the proxy, read by `keys list`). */
export function usedFile(store: string): string {
  return store.replace(/\.json$/, '') + '.used.json';
}

function pepperFile(store: string): string {
  return store.replace(/\.json$/, '') + '.pepper';
}

const KEY = /^mapk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;
const KEY_LENGTH = KEY_PREFIX.length + 12 + 1 + 43;
export const MALFORMED: KeyCheck = Object.freeze({ reason: 'malformed' as const });
export const UNKNOWN: KeyCheck = Object.freeze({ reason: 'unknown-or-revoked' as const });
const EXPIRED: KeyCheck = Object.freeze({ reason: 'expired' as const });
/** Hashed for unknown ids too, so timing says nothing about which ids exist. */
const DUMMY_HASH = Buffer.alloc(32);

export class KeyStore {
  private records = new Map<string, KeyRecord & { expiresAt?: number }>();
  /** Each record's hash as bytes, decoded once per read of the file. */
  private hashes = new Map<string, Buffer>();
  private pepper: Buffer | undefined;
  /** What the file looked like at the last read; null: there was none; undefined: not read yet. */
  private seen: { ino: number; size: number; mtimeMs: number; mode: number; uid: number } | null | undefined;
  /**
   * Why the store is not used, when it is not: a file someone else could
   * write (they could add a key of their own), or one that is not a valid
   * store. Every key is refused then (fail closed); status and doctor say why.
   */
  get problem(): string | undefined {
    return this.storeProblem ?? this.pepperProblem;
  }
  private storeProblem: string | undefined;
  private pepperProblem: string | undefined;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a key for `user`; returns the key (shown once) and its record. */
  create(user: string, groups: string[], expiresAt?: Date): { key: string; record: KeyRecord } {
    this.refresh();
    this.usable();
    const { key, record } = newKey(user, groups, (secret) => this.digest(secret, true), this.now(), expiresAt);
    this.records.set(record.id, record);
    this.hashes.set(record.id, Buffer.from(record.hash, 'base64url'));
    this.save();
    return { key, record };
  }

  /** Removes a key; false when there was none with that id. */
  revoke(id: string): boolean {
    this.refresh();
    this.usable();
    if (!this.records.delete(id)) return false;
    this.save();
    return true;
  }

  list(): KeyView[] {
    this.refresh();
    this.usable();
    const used = readJson<Record<string, string>>(usedFile(this.file)) ?? {};
    return [...this.records.values()].map(({ hash: _hash, expiresAt: _at, ...view }) => ({ ...view, ...(used[view.id] ? { lastUsed: used[view.id] } : {}) }));
  }

  /** Checks a presented key against the store as it is on disk now (every request: no regex captures, no base64 round trips). */
  check(key: string): KeyCheck {
    if (!wellFormed(key)) return MALFORMED;
    this.refresh();
    let given: Buffer;
    try {
      given = this.digest(key.slice(KEY_PREFIX.length + 13), false);
      this.pepperProblem = undefined;
    } catch (error) {
      this.pepperProblem = (error as Error).message;
      return UNKNOWN;
    }
    return matchKey(key, this.records, this.hashes, given, this.now());
  }

  /** Re-reads the store when the file changed (its identity, size, time, mode or owner); one stat, cheap enough for every request. */
  refresh(): void {
    const stats = statSync(this.file, { throwIfNoEntry: false });
    const seen = this.seen;
    if (stats ? seen != null && seen.ino === stats.ino && seen.size === stats.size && seen.mtimeMs === stats.mtimeMs && seen.mode === stats.mode && seen.uid === stats.uid : seen === null) return;
    this.seen = stats ? { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode, uid: stats.uid } : null;
    this.storeProblem = undefined;
    this.records = new Map();
    this.hashes = new Map();
    if (!stats) return;
    const unsafe = unsafeFile(this.file, stats, { secret: true });
    if (unsafe) {
      this.storeProblem = `${this.file} ${describeUnsafe(unsafe)}`;
      return;
    }
    const parsed = readJson<{ keys?: KeyRecord[] }>(this.file);
    if (!parsed || !Array.isArray(parsed.keys)) {
      this.storeProblem = `${this.file} is not a key store (expected {"keys": [...]}); restore it from a backup, or move it away and create the keys again`;
      return;
    }
    for (const record of parsed.keys) {
      if (typeof record?.id !== 'string' || typeof record.hash !== 'string') continue;
      this.records.set(record.id, withExpiry(record));
      this.hashes.set(record.id, Buffer.from(record.hash, 'base64url'));
    }
  }

  /** Writing or listing a store that is not used would hide why keys fail: say so instead. */
  private usable(): void {
    if (this.problem) throw new AppError('KEY_STORE_UNSAFE', this.problem, { hint: 'The proxy refuses every key while this lasts.' });
  }

  private digest(secret: string, create: boolean): Buffer {
    this.pepper ??= loadPepper(pepperFile(this.file), create);
    return createHmac('sha256', this.pepper ?? DUMMY_HASH).update(secret).digest();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ version: 1, keys: [...this.records.values()].map(({ expiresAt: _at, ...record }) => record) }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
    this.seen = undefined;
  }
}

/** Whether a presented text has the shape of a key (checked before any lookup). */
export function wellFormed(key: string): boolean {
  return key.length === KEY_LENGTH && KEY.test(key);
}

/**
 * The check shared by the file store and the Redis one: the id finds the
 * record, the secret's keyed hash is compared in constant time, and an
 * unknown id costs the same as a wrong secret. `key` is well formed;
 * `given` is the keyed hash of its secret.
 */
export function matchKey(key: string, records: ReadonlyMap<string, KeyRecord & { expiresAt?: number }>, hashes: ReadonlyMap<string, Buffer>, given: Buffer, now: number): KeyCheck {
  const id = key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 12);
  const found = records.get(id);
  const expected = found ? hashes.get(id) ?? DUMMY_HASH : DUMMY_HASH;
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  if (!found || !same) return UNKNOWN;
  if (found.expiresAt !== undefined && found.expiresAt <= now) return EXPIRED;
  return { record: found };
}

/** The secret part of a well-formed key (what is hashed). */
export function secretOf(key: string): string {
  return key.slice(KEY_PREFIX.length + 13);
}

/** A new key's id and secret, and the record to store (hash made with `digest`). */
export function newKey(user: string, groups: string[], digest: (secret: string) => Buffer, now: number, expiresAt?: Date): { key: string; record: KeyRecord } {
  const id = randomId();
  const secret = randomBytes(32).toString('base64url');
  const record: KeyRecord = { id, user, groups, created: new Date(now).toISOString(), ...(expiresAt ? { expires: expiresAt.toISOString() } : {}), hash: digest(secret).toString('base64url') };
  return { key: `${KEY_PREFIX}${id}_${secret}`, record };
}

/** A stored record as the check uses it (the expiry parsed once). */
export function withExpiry(record: KeyRecord): KeyRecord & { expiresAt?: number } {
  const expiresAt = record.expires === undefined ? undefined : Date.parse(record.expires);
  return { ...record, ...(expiresAt !== undefined ? { expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt } : {}) };
}

/** Records when keys were used, written at most once a minute (a request never waits on the disk for it). */
export class UsageRecorder {
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: string) {}

  /** `at`: epoch milliseconds (formatted only when written, not per request). */
  used(id: string, at: number): void {
    this.pending.set(id, at);
    this.timer ??= setTimeout(() => this.flush(), 60_000).unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const file = usedFile(this.store);
    try {
      const used = { ...(readJson<Record<string, string>>(file) ?? {}), ...Object.fromEntries([...this.pending].map(([id, at]) => [id, new Date(at).toISOString()])) };
      this.pending.clear();
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(used)}\n`, { mode: 0o600 });
      renameSync(temp, file);
    } catch {
      // best effort: "last used" is a convenience, never a reason to fail a request
    }
  }
}

function loadPepper(file: string, create: boolean): Buffer | undefined {
  if (existsSync(file)) {
    // Whoever reads the pepper can test guesses offline against the hashes; whoever writes it can make every key fail.
    const unsafe = unsafeFile(file, statSync(file), { secret: true });
    if (unsafe) throw new Error(`${file} ${describeUnsafe(unsafe)}`);
    return readFileSync(file);
  }
  if (!create) return undefined;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const pepper = randomBytes(32);
  // Exclusive: two `keys create` at once end up with one pepper.
  try {
    writeFileSync(file, pepper, { mode: 0o600, flag: 'wx' });
    return pepper;
  } catch {
    return readFileSync(file);
  }
}

function readJson<T>(file: string): T | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (!fstatSync(fd).isFile()) return undefined;
    return JSON.parse(readFileSync(fd, 'utf8')) as T;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(12)].map((b) => alphabet[b % 36]).join('');
}
