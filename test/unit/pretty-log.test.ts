// Readable log lines: an access line reads as method, path, status, RPC
// method and tool, duration and sizes; other fields follow as key=value;
// colour only when asked for; a line that is not JSON passes unchanged.
import { prettyLine, wantsColour } from '../../src/observability/pretty.js';
import { createLogger, flushLogger } from '../../src/observability/logger.js';
import { Redactor } from '../../src/observability/redact.js';

const access = JSON.stringify({ level: 'info', message: 'request', timestamp: '2026-11-23T20:09:10.672Z', requestId: 'r-1', server: 'gateway', method: 'POST', path: '/gateway/mcp', rpcMethod: 'tools/call', tool: 'search', status: 200, upstreamStatus: 200, ttfbMs: 41.2, durationMs: 43.961, bytesIn: 97, bytesOut: 812 });

test('an access line reads as one sentence-like line, other fields as key=value', () => {
  expect(prettyLine(access, { colour: false })).toBe('20:09:10.672 INFO  POST /gateway/mcp → 200 tools/call search 43.961ms 97B→812B requestId=r-1 server=gateway upstreamStatus=200 ttfbMs=41.2');
  const warn = JSON.stringify({ level: 'warn', message: 'upstream unreachable', timestamp: '2026-11-23T20:09:11.000Z', error: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' });
  expect(prettyLine(warn, { colour: false })).toBe('20:09:11.000 WARN  upstream unreachable error="connect ECONNREFUSED 127.0.0.1:9" code=ECONNREFUSED');
  expect(prettyLine('a crash trace line', { colour: false })).toBe('a crash trace line');
});

test('colour is ANSI escapes when asked, none otherwise; only a terminal without NO_COLOR asks', () => {
  expect(prettyLine(access, { colour: true })).toContain('\u001b[32m200\u001b[0m');
  expect(prettyLine(access, { colour: false })).not.toContain('\u001b[');
  expect(wantsColour({ isTTY: true }, {})).toBe(true);
  expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  expect(wantsColour({ isTTY: false }, {})).toBe(false);
});

test('pretty lines stay redacted by value, JSON-escaped secrets included', () => {
  const redactor = new Redactor();
  redactor.add('s3cr"et-value');
  let out = '';
  const logger = createLogger({ level: 'info', redactor, stream: { write: (text: string) => (out += text) }, format: 'pretty' });
  logger.info('oops', { leaked: 's3cr"et-value', also: 'prefix s3cr"et-value suffix' });
  flushLogger(logger);
  expect(out).toContain('oops');
  expect(out).not.toContain('s3cr');
  expect(out).toContain('[REDACTED]');
});
