// The stdio bridge orders its traffic around the handshake: an agent that
// pipelines (writes initialize, initialized and its first requests at once)
// gets answers, not "no session" errors, and a server message sent on the
// standalone stream right after the handshake reaches the agent, because the
// GET stream is open before the next request goes upstream.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { KEY_ID, SECRET } from '../helpers/proxy.js';
import { startStatefulUpstream, type StatefulUpstream } from '../helpers/stateful-upstream.js';

let upstream: StatefulUpstream;
let child: ChildProcessWithoutNullStreams;
afterEach(async () => {
  child?.stdin.end();
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  await upstream.close();
});

function bridge(url: string): { write: (messages: object[]) => void; until: (done: (seen: Array<Record<string, unknown>>) => boolean) => Promise<Array<Record<string, unknown>>> } {
  const home = mkdtempSync(join(tmpdir(), 'map-stdio-order-'));
  child = spawn(process.execPath, [BIN, 'stdio', 'default'], {
    env: cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), MCP_UPSTREAM_URL: url, MCP_API_KEY: KEY_ID, MCP_API_SECRET: SECRET }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const seen: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    seen.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    // One write: the messages arrive together, as from an agent that does not wait between them.
    write: (messages) => child.stdin.write(messages.map((m) => `${JSON.stringify(m)}\n`).join('')),
    until: async (done) => {
      while (!done(seen)) await new Promise<void>((resolve) => waiters.push(resolve));
      return seen;
    },
  };
}

const HANDSHAKE = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipeliner', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
];

test('an agent that pipelines its handshake and first requests gets answers, in the one session', async () => {
  upstream = await startStatefulUpstream();
  const agent = bridge(upstream.url);
  agent.write([...HANDSHAKE, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'in order' } } }]);
  const seen = await agent.until((s) => [1, 2, 3].every((id) => s.some((m) => m.id === id)));
  for (const id of [1, 2, 3]) expect(seen.find((m) => m.id === id)).toHaveProperty('result');
  expect(JSON.stringify(seen.find((m) => m.id === 3))).toContain('echo: in order');
  expect(upstream.sessions.size).toBe(1);
  // Every request after initialize carried the session the initialize created.
  const [session] = [...upstream.sessions.keys()];
  const posts = upstream.received.filter((r) => r.method === 'POST').slice(1);
  expect(posts.map((r) => r.headers['mcp-session-id'])).toEqual(posts.map(() => session));
});

test('a standalone server message sent right after the handshake is not lost: the GET stream opens first', async () => {
  // The server's stream answers slowly: a request sent before it is open would have its message dropped.
  upstream = await startStatefulUpstream({ getDelayMs: 300 });
  const agent = bridge(upstream.url);
  agent.write([...HANDSHAKE, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'announce', arguments: {} } }]);
  const seen = await agent.until((s) => s.some((m) => m.id === 2) && s.some((m) => m.method === 'notifications/message'));
  expect(JSON.stringify(seen.find((m) => m.method === 'notifications/message'))).toContain('standalone announcement');
  const order = upstream.received.map((r) => (r.method === 'GET' ? 'GET' : (JSON.parse(r.body.toString('utf8') || '{}') as { method?: string }).method));
  expect(order.indexOf('GET')).toBeLessThan(order.indexOf('tools/call'));
});
