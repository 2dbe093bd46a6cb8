// The daemon log file: rotated by size before a write would pass maxBytes,
// rotated files named for the time and pruned to `keep`, every line kept in
// order across the files; a file another daemon rotated away is reopened.
import { mkdtempSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogFile } from '../../src/observability/log-file.js';
import { eventually } from '../helpers/net.js';

const line = (i: number) => `${JSON.stringify({ level: 'info', message: 'request', n: i, pad: 'x'.repeat(80) })}\n`;

test('rotates before a write would pass maxBytes; keeps the newest `keep` rotated files; no line is split or lost before pruning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-logfile-'));
  let clock = Date.parse('2026-01-31T10:00:00Z');
  const file = createLogFile({ path: join(dir, 'daemon.log'), maxBytes: 1024, keep: 3, now: () => (clock += 1000) });
  const size = Buffer.byteLength(line(0));
  for (let i = 0; i < 40; i++) file.write(line(i));
  file.close();
  await eventually(() => readdirSync(dir).filter((f) => f.startsWith('daemon-')).length === 3);
  const names = readdirSync(dir).sort();
  expect(names).toHaveLength(4); // no temporary file left from rotating
  expect(names.at(-1)).toBe('daemon.log');
  const perFile = Math.floor(1024 / size);
  for (const name of names) {
    expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1024);
    expect(readFileSync(join(dir, name), 'utf8').endsWith('\n')).toBe(true);
  }
  // The kept files hold the last lines, in order, each whole.
  const kept = names.flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n));
  expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 40 - kept.length + k));
  expect(kept.length).toBeGreaterThan(3 * perFile);
  expect(names.slice(0, 3).every((name) => /^daemon-2026-01-31T10-\d\d-\d\d\.000Z\.log$/.test(name))).toBe(true);
});

test('a batch of lines that passes maxBytes is split at line boundaries: no file over the limit, every line once, in order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-logfile-'));
  let clock = Date.parse('2026-01-31T10:00:00Z');
  const file = createLogFile({ path: join(dir, 'daemon.log'), maxBytes: 1024, keep: 50, now: () => (clock += 1000) });
  // Batches as the access log writes them under load: 3 lines, then 14 (more than the limit holds), alternating.
  let n = 0;
  for (let b = 0; b < 6; b++) file.write(Array.from({ length: b % 2 ? 14 : 3 }, () => line(n++)).join(''));
  file.close();
  const names = readdirSync(dir).sort();
  expect(names.length).toBeGreaterThan(3);
  for (const name of names) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1024);
  const all = names.flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n));
  expect(all).toEqual(Array.from({ length: n }, (_, k) => k));
});

test('a file rotated away by another process is noticed (within a second) and written afresh at the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-logfile-'));
  let clock = 0;
  const file = createLogFile({ path: join(dir, 'daemon.log'), maxBytes: 1 << 20, keep: 3, now: () => clock });
  file.write(line(1));
  renameSync(join(dir, 'daemon.log'), join(dir, 'daemon-2026-01-31T10-00-00.000Z.log'));
  clock += 1500;
  file.write(line(2));
  file.close();
  expect(readFileSync(join(dir, 'daemon.log'), 'utf8')).toBe(line(2));
});
