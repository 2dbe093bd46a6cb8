// The stdio bridge's lazy logger writes the lines the logger would,
// in the order they were logged, and only those its level lets through.
import { flushLogger } from '../../src/observability/logger.js';
import { REDACTED, Redactor } from '../../src/observability/redact.js';
import { createLazyLogger } from '../../src/stdio/lazy-logger.js';
import { Capture } from '../helpers/net.js';

test('lines logged before the logger loads come out in order, at the configured level, redacted', async () => {
  const redactor = new Redactor();
  redactor.add('s3cret-value');
  const out = new Capture();
  const logger = createLazyLogger({ level: 'info', redactor, stream: out });
  logger.debug('below the level', { n: 0 });
  logger.warn('first', { token: 's3cret-value' });
  logger.info('second');
  logger.error('third', { n: 3 });
  await logger.settled();
  const loaded = await logger.load();
  out.beforeRead = () => flushLogger(loaded);
  logger.debug('still below the level');
  logger.info('after loading', { n: 4 });
  expect(out.lines().map(({ timestamp: _at, ...line }) => line)).toEqual([
    { level: 'warn', message: 'first', token: REDACTED },
    { level: 'info', message: 'second' },
    { level: 'error', message: 'third', n: 3 },
    { level: 'info', message: 'after loading', n: 4 },
  ]);
  expect(out.lines().every((line) => typeof line.timestamp === 'string')).toBe(true);
});

test('lines below the level write nothing', async () => {
  const out = new Capture();
  const logger = createLazyLogger({ level: 'warn', redactor: new Redactor(), stream: out });
  logger.info('quiet');
  logger.debug('quieter');
  await logger.settled();
  expect(out.text).toBe('');
});
