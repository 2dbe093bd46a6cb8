// The batching log transport: lines wait a little to leave in one write, but
// none is lost when the process exits right after logging it, and a big
// burst goes out at once instead of piling up.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ACCESS_DELAY_MS } from '../../src/observability/batched-transport.js';
import { createLogger, infoLineWriter } from '../../src/observability/logger.js';
import { Redactor } from '../../src/observability/redact.js';
import { Capture } from '../helpers/net.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('a line logged just before process.exit() is written', () => {
  // The built logger in a child that logs, then exits in the same turn: no timer or immediate gets to run.
  const script = `
    const { createLogger } = await import('./dist/observability/logger.js');
    const { Redactor } = await import('./dist/observability/redact.js');
    const logger = createLogger({ level: 'info', redactor: new Redactor() });
    logger.info('last words', { n: 1 });
    process.exit(3);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(child.status).toBe(3);
  expect(child.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ level: 'info', message: 'last words', n: 1 })]);
});

test('a burst past the batch cap is written at once, not held', () => {
  const out = new Capture();
  const logger = createLogger({ level: 'info', redactor: new Redactor(), stream: out });
  const filler = 'x'.repeat(1000);
  for (let i = 0; i < 100; i++) logger.info('burst', { i, filler });
  // No flush asked for and no turn of the event loop passed: what is in the capture was written by the cap.
  expect(out.chunks.join('').length).toBeGreaterThan(64 * 1024);
});

test('access lines wait for the next ones to share a write; any other line takes them out first, in order', async () => {
  const out = new Capture();
  const logger = createLogger({ level: 'info', redactor: new Redactor(), stream: out });
  const access = infoLineWriter(logger);
  const line = (n: number) => `{"level":"info","message":"request","n":${n}}`;
  access.write(line(1));
  access.write(line(2));
  // Two turns of the event loop: a logger.warn() line would be out by now; access lines wait for their timer.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  expect(out.chunks).toEqual([]);
  logger.warn('upstream unreachable');
  access.write(line(3));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  // The warning's write carried the access lines logged before it (and the one after it, queued by then).
  expect(out.chunks).toHaveLength(1);
  const written = (out.chunks[0] as string).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(written.map((l) => l.n ?? l.message)).toEqual([1, 2, 'upstream unreachable', 3]);
  // Alone, an access line goes out within ACCESS_DELAY_MS, in one write with its neighbours.
  access.write(line(4));
  access.write(line(5));
  await new Promise((resolve) => setTimeout(resolve, ACCESS_DELAY_MS + 50));
  expect(out.chunks).toHaveLength(2);
  expect((out.chunks[1] as string).trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([4, 5]);
});

test('an access line logged just before process.exit() is written', () => {
  const script = `
    const { createLogger, infoLineWriter } = await import('./dist/observability/logger.js');
    const { Redactor } = await import('./dist/observability/redact.js');
    const logger = createLogger({ level: 'info', redactor: new Redactor() });
    infoLineWriter(logger).write('{"level":"info","message":"request","n":7}');
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(child.status).toBe(0);
  expect(JSON.parse(child.stderr.trim())).toEqual({ level: 'info', message: 'request', n: 7 });
});
