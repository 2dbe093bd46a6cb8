// The logger's lines: the JSON layout `logs`, the pretty renderer and log
// shippers read (the caller's fields, then level, message and timestamp),
// one line per call at or above the level and none below it, redacted by
// value as a whole; a level changed at run time (reload) applies at once.
import { createLogger, flushLogger, infoLineWriter, silentLogger } from '../../src/observability/logger.js';
import { REDACTED, Redactor } from '../../src/observability/redact.js';
import { Capture } from '../helpers/net.js';

function setup(level: 'error' | 'warn' | 'info' | 'debug') {
  const redactor = new Redactor();
  redactor.add('tok-9f8e7d6c5b4a');
  const out = new Capture();
  const logger = createLogger({ level, redactor, stream: out });
  out.beforeRead = () => flushLogger(logger);
  const raw = () => out.text.trim().split('\n').filter(Boolean);
  return { logger, out, raw };
}

test('fields come first, then level, message and timestamp; a line without fields starts with its message', () => {
  const { logger, raw } = setup('info');
  logger.info('config loaded', { servers: 2, file: '/home/u/.config/mcp-auth-proxy/config.json' });
  logger.warn('stopped');
  const [first, second] = raw();
  expect(first).toMatch(/^\{"servers":2,"file":"\/home\/u\/\.config\/mcp-auth-proxy\/config\.json","level":"info","message":"config loaded","timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/);
  expect(second).toMatch(/^\{"message":"stopped","level":"warn","timestamp":"[^"]+"\}$/);
});

test('a field named message is appended to the message; level and message fields cannot replace the real ones', () => {
  const { logger, raw } = setup('info');
  logger.error('upstream unreachable', { message: 'ECONNREFUSED', level: 'debug' });
  expect(JSON.parse(raw()[0] as string)).toEqual({ level: 'error', message: 'upstream unreachable ECONNREFUSED', timestamp: expect.any(String) });
});

test('lines below the level are not written (nor built), and a level set at run time applies to the next call', () => {
  const { logger, raw } = setup('warn');
  let built = 0;
  const costly = { get detail() { built += 1; return 'x'; } };
  logger.info('hidden', costly);
  logger.debug('hidden too', costly);
  expect(built).toBe(0);
  logger.level = 'debug';
  logger.debug('shown', { n: 1 });
  expect(infoLineWriter(logger).enabled()).toBe(true);
  logger.level = 'error';
  expect(infoLineWriter(logger).enabled()).toBe(false);
  logger.warn('hidden again');
  expect(raw().map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['shown']);
});

test('a secret anywhere in a line is redacted, in fields, in the message, and in access lines', () => {
  const { logger, raw } = setup('info');
  logger.warn('token tok-9f8e7d6c5b4a refused', { header: 'Bearer tok-9f8e7d6c5b4a' });
  infoLineWriter(logger).write('{"level":"info","message":"request","path":"/mcp?t=tok-9f8e7d6c5b4a"}');
  const lines = raw();
  expect(lines.join('\n')).not.toContain('tok-9f8e7d6c5b4a');
  expect(JSON.parse(lines[0] as string)).toMatchObject({ message: `token ${REDACTED} refused`, header: `Bearer ${REDACTED}` });
  expect(JSON.parse(lines[1] as string)).toMatchObject({ path: `/mcp?t=${REDACTED}` });
});

test('the silent logger writes nothing and has no access log', () => {
  const logger = silentLogger();
  expect(logger.silent).toBe(true);
  expect(infoLineWriter(logger).enabled()).toBe(false);
  expect(() => logger.error('nothing', { n: 1 })).not.toThrow();
});
