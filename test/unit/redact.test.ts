import { createLogger, flushLogger } from '../../src/observability/logger.js';
import { REDACTED, Redactor } from '../../src/observability/redact.js';
import { Capture } from '../helpers/net.js';

test('registered values are replaced wherever they appear, longest first', () => {
  const r = new Redactor();
  r.add('abcd');
  r.add('abcdefgh');
  expect(r.redact('x abcdefgh y abcd z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  expect(r.redact('nothing here')).toBe('nothing here');
});

test('regex metacharacters in a secret are matched literally', () => {
  const r = new Redactor();
  r.add('a.b*c');
  expect(r.redact('a.b*c axbbc')).toBe(`${REDACTED} axbbc`);
});

test('the JSON-escaped form of a secret is redacted from JSON log lines too', () => {
  const r = new Redactor();
  const secret = 'quote"back\\slash';
  r.add(secret);
  const out = new Capture();
  const logger = createLogger({ level: 'debug', redactor: r, stream: out });
  out.beforeRead = () => flushLogger(logger);
  logger.debug('value', { field: secret, nested: { again: `pre-${secret}-post` } });
  logger.error(`in the message ${secret}`);
  expect(out.text).not.toContain(JSON.stringify(secret).slice(1, -1));
  expect(out.text).not.toContain(secret);
  expect(out.lines()).toEqual([
    expect.objectContaining({ field: REDACTED, nested: { again: `pre-${REDACTED}-post` } }),
    expect.objectContaining({ message: `in the message ${REDACTED}` }),
  ]);
});

test('values too short to be secrets are not redacted (they would blank out every message)', () => {
  const r = new Redactor();
  r.add('s');
  r.add('abc');
  expect(r.size).toBe(0);
  expect(r.redact('this is a message')).toBe('this is a message');
});
