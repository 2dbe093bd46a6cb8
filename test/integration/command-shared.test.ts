// One process for every session ("sharing": "shared"): JSON-RPC ids that
// collide across sessions are rewritten on the way in and restored on the
// way out, progress reaches only the session that asked, and the server's
// own sampling, elicitation and roots requests reach the client of the
// session whose call caused them (and their answers get back), never another
// one; a list_changed notification reaches every session.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { connectClient, sdkServer, textOf } from '../helpers/stdio-servers.js';

let proxy: TestProxy;
const clients: Client[] = [];

beforeEach(async () => {
  proxy = await startTestProxy({ servers: { shared: sdkServer({ sharing: 'shared' }) } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await proxy.close();
});

const open = async (capabilities: Record<string, unknown> = {}) => {
  const client = await connectClient(`${proxy.url}/shared/mcp`, capabilities);
  clients.push(client);
  return client;
};

const children = async () => ((await (await fetch(`${proxy.url}/statusz`)).json()) as { servers: { shared: { children: unknown[]; sessions: number } } }).servers.shared;

test('50 concurrent sessions with colliding ids get only their own answers, from one process', async () => {
  const sessions = await Promise.all(Array.from({ length: 50 }, () => open()));
  const calls = sessions.flatMap((client, i) =>
    Array.from({ length: 4 }, (_, k) => {
      const tag = `session-${i}-call-${k}`;
      // Answers come back out of order: a later call of one session may finish before an earlier one of another.
      return client.callTool({ name: 'slow', arguments: { ms: ((i * 7 + k * 3) % 11) * 3, tag } }).then((result) => ({ tag, got: textOf(result) }));
    }),
  );
  const results = await Promise.all(calls);
  const misrouted = results.filter((r) => r.tag !== r.got);
  expect(results).toHaveLength(200);
  expect(misrouted).toEqual([]);
  const state = await children();
  expect(state.children).toHaveLength(1);
  expect(state.sessions).toBe(50);
});

test('progress reaches only the session whose call it belongs to', async () => {
  const [a, b] = [await open(), await open()];
  const seenA: string[] = [];
  const seenB: string[] = [];
  // B's call starts while A's is running (A's first progress arrived), and both send progress under the same client token.
  let aRunning!: () => void;
  const started = new Promise<void>((resolve) => (aRunning = resolve));
  const callA = a.callTool({ name: 'progress', arguments: { steps: 5, tag: 'A', delayMs: 60 } }, undefined, {
    onprogress: (p) => {
      seenA.push(String(p.message));
      aRunning();
    },
  });
  await started;
  const callB = b.callTool({ name: 'progress', arguments: { steps: 3, tag: 'B', delayMs: 20 } }, undefined, { onprogress: (p) => void seenB.push(String(p.message)) });
  const [ra, rb] = await Promise.all([callA, callB]);
  expect([textOf(ra), textOf(rb)]).toEqual(['done A', 'done B']);
  expect(seenA).toEqual(['A', 'A', 'A', 'A', 'A']);
  expect(seenB).toEqual(['B', 'B', 'B']);
});

test('sampling and elicitation go to the client of the session that caused them, and their answers come back', async () => {
  const asked: string[] = [];
  const withHandlers = async (name: string) => {
    const client = await open({ sampling: {}, elicitation: {} });
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      asked.push(`${name}:sampling`);
      return { role: 'assistant', model: 'test', content: { type: 'text', text: `from ${name}` } };
    });
    client.setRequestHandler(ElicitRequestSchema, async () => {
      asked.push(`${name}:elicitation`);
      return { action: 'accept', content: { reply: `${name} says yes` } };
    });
    return client;
  };
  const a = await withHandlers('A');
  const b = await withHandlers('B');
  expect(textOf(await a.callTool({ name: 'sample', arguments: { prompt: 'hi' } }))).toBe('sampled: from A');
  expect(textOf(await b.callTool({ name: 'elicit', arguments: { question: 'ok?' } }))).toBe('elicited: accept B says yes');
  expect(textOf(await b.callTool({ name: 'sample', arguments: { prompt: 'hi' } }))).toBe('sampled: from B');
  expect(asked).toEqual(['A:sampling', 'B:elicitation', 'B:sampling']);
});

test('a sampling request that more than one session could have caused goes to none of them', async () => {
  const asked: string[] = [];
  const a = await open({ sampling: {} });
  const b = await open({ sampling: {} });
  for (const [client, name] of [[a, 'A'], [b, 'B']] as const) {
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      asked.push(name);
      return { role: 'assistant', model: 'test', content: { type: 'text', text: name } };
    });
  }
  // B's call is running in the process (its first progress arrived) when A's call asks for sampling.
  let running!: () => void;
  const started = new Promise<void>((resolve) => (running = resolve));
  const slow = b.callTool({ name: 'slow', arguments: { ms: 1500, tag: 'B done' } }, undefined, { onprogress: () => running() });
  await started;
  const sampled = await a.callTool({ name: 'sample', arguments: { prompt: 'whose?' } });
  expect(sampled.isError).toBe(true);
  expect(textOf(sampled)).toMatch(/cannot tell which of the sessions/);
  expect(textOf(await slow)).toBe('B done');
  expect(asked).toEqual([]);
});

test('a roots request goes to the session whose call asked, with that client\'s roots', async () => {
  const withRoots = async (name: string) => {
    const client = await open({ roots: { listChanged: true } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file:///work/${name}`, name }] }));
    return client;
  };
  const a = await withRoots('a');
  const b = await withRoots('b');
  expect(JSON.parse(textOf(await b.callTool({ name: 'roots', arguments: {} })))).toEqual({ roots: [{ uri: 'file:///work/b', name: 'b' }] });
  expect(JSON.parse(textOf(await a.callTool({ name: 'roots', arguments: {} })))).toEqual({ roots: [{ uri: 'file:///work/a', name: 'a' }] });
});

test('list_changed reaches every session, once each', async () => {
  const sessions = [await open(), await open(), await open()];
  const seen = sessions.map(() => 0);
  const all = sessions.map(
    (client, i) =>
      new Promise<void>((resolve) =>
        client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
          seen[i] = (seen[i] as number) + 1;
          resolve();
        }),
      ),
  );
  expect(textOf(await (sessions[1] as Client).callTool({ name: 'notify', arguments: {} }))).toBe('notified');
  await Promise.all(all);
  // A call of each session after it, so that a second copy sent with the first would have had its turn.
  for (const client of sessions) await client.callTool({ name: 'echo', arguments: { text: 'after' } });
  expect(seen).toEqual([1, 1, 1]);
});
