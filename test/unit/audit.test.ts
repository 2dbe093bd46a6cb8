// The audit log file: one parseable line per call, redacted whole, arguments
// only when asked, 0600 in a 0700 directory, rotated by size and by UTC day
// (injected clock), appended to across restarts, and a failing disk reported
// once without ever throwing.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_FILE, createAuditLog, type AuditEntry, type AuditLogOptions } from '../../src/observability/audit.js';
import { REDACTED, Redactor } from '../../src/observability/redact.js';

const SECRET = 'sk-live-0123456789abcdef';

function sandbox(): string {
  return join(mkdtempSync(join(tmpdir(), 'map-audit-')), 'state');
}

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    requestId: 'req-1',
    server: 'gw',
    tool: 'search',
    identity: 'me@acme.com',
    caller: 'local-user',
    outcome: 'ok',
    status: 200,
    durationMs: 12.5,
    ...overrides,
  };
}

/** A clock the test moves by hand. */
function clock(start: string) {
  let now = new Date(start);
  return { now: () => now, set: (iso: string) => (now = new Date(iso)) };
}

function open(dir: string, options: Partial<AuditLogOptions> = {}) {
  const redactor = new Redactor();
  redactor.add(SECRET);
  return createAuditLog({ dir, maxBytes: 10 * 1024 * 1024, keep: 14, includeArguments: false, redactor, ...options });
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
const rotated = (dir: string) => readdirSync(dir).filter((name) => name !== AUDIT_FILE).sort();

test('each record is one JSON line with the call, its time from the clock', async () => {
  const dir = sandbox();
  const log = open(dir, { now: clock('2025-03-04T05:06:07.089Z').now });
  log.record(entry());
  log.record(entry({ requestId: 'req-2', outcome: 'rpc-error', rpcError: { code: -32602, message: 'bad' }, time: '2025-01-01T00:00:00.000Z' }));
  await log.close();
  expect(lines(join(dir, AUDIT_FILE))).toEqual([
    { time: '2025-03-04T05:06:07.089Z', requestId: 'req-1', server: 'gw', tool: 'search', identity: 'me@acme.com', caller: 'local-user', outcome: 'ok', status: 200, durationMs: 12.5 },
    { time: '2025-01-01T00:00:00.000Z', requestId: 'req-2', server: 'gw', tool: 'search', identity: 'me@acme.com', caller: 'local-user', outcome: 'rpc-error', status: 200, rpcError: { code: -32602, message: 'bad' }, durationMs: 12.5 },
  ]);
});

test('arguments are left out by default, even when given', async () => {
  const dir = sandbox();
  const log = open(dir);
  expect(log.includeArguments).toBe(false);
  log.record(entry({ arguments: { query: 'quarterly numbers' } }));
  await log.close();
  const text = readFileSync(join(dir, AUDIT_FILE), 'utf8');
  expect(text).not.toContain('arguments');
  expect(text).not.toContain('quarterly numbers');
});

test('with includeArguments they are written, and a registered secret never reaches the file', async () => {
  const dir = sandbox();
  const log = open(dir, { includeArguments: true });
  expect(log.includeArguments).toBe(true);
  log.record(entry({ arguments: { query: 'quarterly numbers', token: SECRET, nested: [`Bearer ${SECRET}`, `quote"${SECRET}`] } }));
  log.record(entry({ tool: `tool-${SECRET}`, rpcError: { code: 1, message: `upstream said ${SECRET}` }, outcome: 'rpc-error' }));
  await log.close();
  const text = readFileSync(join(dir, AUDIT_FILE), 'utf8');
  expect(text).not.toContain(SECRET);
  const [first, second] = lines(join(dir, AUDIT_FILE));
  expect(first?.arguments).toEqual({ query: 'quarterly numbers', token: REDACTED, nested: [`Bearer ${REDACTED}`, `quote"${REDACTED}`] });
  expect(second).toMatchObject({ tool: `tool-${REDACTED}`, rpcError: { code: 1, message: `upstream said ${REDACTED}` } });
});

test('the directory is created 0700 and the file 0600; a looser existing file is tightened', async () => {
  const dir = join(sandbox(), 'nested');
  const log = open(dir);
  log.record(entry());
  await log.close();
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(join(dir, AUDIT_FILE)).mode & 0o777).toBe(0o600);

  chmodSync(join(dir, AUDIT_FILE), 0o644);
  const again = open(dir);
  again.record(entry());
  await again.close();
  expect(statSync(join(dir, AUDIT_FILE)).mode & 0o777).toBe(0o600);
});

test('rotation by size: no file passes maxBytes, names sort in order, only `keep` rotated files stay', async () => {
  const dir = sandbox();
  // A clock that never moves: rotated names must still be unique and ordered.
  const log = open(dir, { maxBytes: 1024, keep: 3, now: clock('2025-03-04T05:06:07.000Z').now });
  let n = 0;
  // Some lines one per turn, some many in one turn (one batched write split across files).
  for (; n < 10; n++) {
    log.record(entry({ requestId: `req-${n}` }));
    await log.flush();
  }
  for (; n < 60; n++) log.record(entry({ requestId: `req-${n}` }));
  await log.close();

  const names = rotated(dir);
  expect(names).toHaveLength(3);
  expect(names.every((name) => /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z\.jsonl$/.test(name))).toBe(true);
  expect(names).toEqual([...new Set(names)].sort());
  const files = [...names, AUDIT_FILE].map((name) => join(dir, name));
  for (const file of files) expect(statSync(file).size).toBeLessThanOrEqual(1024);
  // What is kept is the newest lines, in order, none split.
  const kept = files.flatMap(lines).map((line) => Number(String(line.requestId).slice(4)));
  expect(kept.at(-1)).toBe(59);
  expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 60 - kept.length + i));
});

test('rotation by UTC day: the first line of a new day starts a new file, named for the old one\'s last line', async () => {
  const dir = sandbox();
  const time = clock('2025-03-04T23:59:58.500Z');
  const log = open(dir, { now: time.now });
  log.record(entry({ requestId: 'late' }));
  await log.flush();
  time.set('2025-03-04T23:59:59.900Z');
  log.record(entry({ requestId: 'later' }));
  await log.flush();
  time.set('2025-03-05T00:00:00.100Z');
  log.record(entry({ requestId: 'next-day' }));
  await log.close();
  expect(rotated(dir)).toEqual(['audit-2025-03-04T23-59-59.900Z.jsonl']);
  expect(lines(join(dir, 'audit-2025-03-04T23-59-59.900Z.jsonl')).map((l) => l.requestId)).toEqual(['late', 'later']);
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId)).toEqual(['next-day']);
});

test('lines recorded in one turn across midnight still split by day', async () => {
  const dir = sandbox();
  const time = clock('2025-03-04T23:59:59.999Z');
  const log = open(dir, { now: time.now });
  log.record(entry({ requestId: 'a' }));
  time.set('2025-03-05T00:00:00.000Z');
  log.record(entry({ requestId: 'b' }));
  await log.close();
  expect(lines(join(dir, rotated(dir)[0] as string)).map((l) => l.requestId)).toEqual(['a']);
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId)).toEqual(['b']);
});

test('after a restart the existing file is appended to, its size and day taken from the file', async () => {
  const dir = sandbox();
  const first = open(dir);
  first.record(entry({ requestId: 'before' }));
  await first.close();
  const second = open(dir);
  second.record(entry({ requestId: 'after' }));
  await second.close();
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId)).toEqual(['before', 'after']);
  expect(rotated(dir)).toEqual([]);

  // Its size counts: a line that would take it past maxBytes rotates it at once.
  const size = statSync(join(dir, AUDIT_FILE)).size;
  const third = open(dir, { maxBytes: size + 10 });
  third.record(entry({ requestId: 'rotated-by-size' }));
  await third.close();
  expect(rotated(dir)).toHaveLength(1);
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId)).toEqual(['rotated-by-size']);

  // Its day counts: a file last written yesterday (UTC) is rotated by today's first line.
  const yesterday = new Date(Date.now() - 24 * 3600 * 1000);
  utimesSync(join(dir, AUDIT_FILE), yesterday, yesterday);
  const fourth = open(dir);
  fourth.record(entry({ requestId: 'today' }));
  await fourth.close();
  expect(rotated(dir)).toHaveLength(2);
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId)).toEqual(['today']);
});

test('a lower keep prunes old rotated files at start; other files in the state directory are left alone', async () => {
  const dir = sandbox();
  mkdirSync(dir, { recursive: true });
  for (const day of ['01', '02', '03', '04']) writeFileSync(join(dir, `audit-2025-01-${day}T00-00-00.000Z.jsonl`), '{}\n');
  writeFileSync(join(dir, 'daemon.log'), 'x\n');
  const log = open(dir, { keep: 2 });
  log.record(entry());
  await log.close();
  expect(readdirSync(dir).sort()).toEqual(['audit-2025-01-03T00-00-00.000Z.jsonl', 'audit-2025-01-04T00-00-00.000Z.jsonl', AUDIT_FILE, 'daemon.log']);
});

test('an unwritable directory is reported once, never thrown, and writing resumes with a gap line', async () => {
  const root = sandbox();
  mkdirSync(root, { recursive: true });
  const blocker = join(root, 'blocked');
  writeFileSync(blocker, 'a file where the directory should be');
  const dir = join(blocker, 'state');
  const errors: Error[] = [];
  const log = open(dir, { onError: (error) => errors.push(error) });
  for (let i = 0; i < 3; i++) {
    expect(() => log.record(entry({ requestId: `lost-${i}` }))).not.toThrow();
    await log.flush();
  }
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(Error);
  expect(existsSync(dir)).toBe(false);

  // The disk is fixed: the next record writes, after a line saying what was lost.
  rmSync(blocker);
  log.record(entry({ requestId: 'back' }));
  await log.close();
  const written = lines(join(dir, AUDIT_FILE));
  expect(written).toEqual([
    expect.objectContaining({ event: 'audit-gap', lostLines: 3, since: expect.any(String) }),
    expect.objectContaining({ requestId: 'back' }),
  ]);
  expect(errors).toHaveLength(1);
});

test('close is safe twice and later records are ignored', async () => {
  const dir = sandbox();
  const log = open(dir);
  log.record(entry());
  await log.close();
  await log.close();
  log.record(entry({ requestId: 'too-late' }));
  await log.flush();
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId)).toEqual(['req-1']);
});

test('recordAll makes the lines a slice at a time: other callbacks run between slices, and every line arrives in order', async () => {
  const dir = sandbox();
  const log = open(dir, { maxBytes: 100 * 1024 * 1024 });
  const total = 100_000;
  let pulled = 0;
  function* entries(): Generator<AuditEntry | undefined> {
    for (let i = 0; i < total; i++) {
      pulled += 1;
      // A step may make no line (a message of the batch that is not a tool call).
      yield i % 10 === 9 ? undefined : entry({ requestId: `req-${i}` });
    }
  }
  log.recordAll(entries());
  expect(pulled).toBe(0);
  // Queued after the log's first slice: it runs once that slice has used its few milliseconds, long before the end.
  const seenBetween = await new Promise<number>((resolve) => setImmediate(() => resolve(pulled)));
  expect(seenBetween).toBeGreaterThan(0);
  expect(seenBetween).toBeLessThan(total);
  await log.close();
  const written = lines(join(dir, AUDIT_FILE));
  expect(written).toHaveLength(total - total / 10);
  expect(written[0]?.requestId).toBe('req-0');
  expect(written.at(-1)?.requestId).toBe(`req-${total - 2}`);
});

test('a recordAll iterator that throws is reported once and dropped; the log goes on', async () => {
  const dir = sandbox();
  const errors: Error[] = [];
  const log = open(dir, { onError: (error) => errors.push(error) });
  function* broken(): Generator<AuditEntry | undefined> {
    yield entry({ requestId: 'before' });
    throw new Error('walk failed');
  }
  log.recordAll(broken());
  log.record(entry({ requestId: 'single' }));
  await log.close();
  expect(lines(join(dir, AUDIT_FILE)).map((l) => l.requestId).sort()).toEqual(['before', 'single']);
  expect(errors.map((e) => e.message)).toEqual(['walk failed']);
});
