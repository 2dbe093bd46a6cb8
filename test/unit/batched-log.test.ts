// The batching log transport: lines wait a little to leave in one write, but
// none is lost when the process exits right after logging it, and a big
// burst goes out at once instead of piling up.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/observability/logger.js';
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
