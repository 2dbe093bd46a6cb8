// The stdio bridge over a session that expires, and with a slow call in
// flight: after the upstream forgets the session, requests get an error that
// says to initialize again, and a new initialize gets a new session over
// Streamable HTTP (no mistaken fall back to legacy SSE); a slow tool call
// holds up no other message.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { KEY_ID, SECRET } from '../helpers/proxy.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { startStatefulUpstream, type StatefulUpstream } from '../helpers/stateful-upstream.js';

const env = (url: string) => {
  const home = mkdtempSync(join(tmpdir(), 'map-stdio-sessions-'));
  return cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), MCP_UPSTREAM_URL: url, MCP_API_KEY: KEY_ID, MCP_API_SECRET: SECRET });
};

const INIT = (id: number) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });

function lines(child: ChildProcessWithoutNullStreams): (message: object) => Promise<{ id: number; result?: unknown; error?: { message: string } }> {
  const reader = createInterface({ input: child.stdout });
  const waiting = new Map<number, (value: never) => void>();
  reader.on('line', (line) => {
    const message = JSON.parse(line) as { id: number };
    waiting.get(message.id)?.(message as never);
  });
  return (message) =>
    new Promise((resolve) => {
      const id = (message as { id?: number }).id;
      if (id !== undefined) waiting.set(id, resolve);
      child.stdin.write(`${JSON.stringify(message)}\n`);
      if (id === undefined) resolve({ id: -1 });
    });
}

describe('an expired session', () => {
  let upstream: StatefulUpstream;
  beforeEach(async () => {
    upstream = await startStatefulUpstream();
  });
  afterEach(async () => {
    await upstream.close();
  });

  test('requests say to initialize again; a new initialize gets a new session over Streamable HTTP', async () => {
    const child = spawn(process.execPath, [BIN, 'stdio', 'default'], { env: env(upstream.url), stdio: ['pipe', 'pipe', 'pipe'] });
    const call = lines(child);
    expect((await call(INIT(1))).result).toBeDefined();
    await call({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect((await call({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).result).toBeDefined();
    const [first] = [...upstream.sessions.keys()];
    await upstream.forget(first as string);

    const expired = await call({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(expired.error?.message).toContain('the session expired: initialize again');
    expect((await call(INIT(4))).result).toBeDefined();
    await call({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect((await call({ jsonrpc: '2.0', id: 5, method: 'tools/list' })).result).toBeDefined();
    const second = [...upstream.sessions.keys()].find((id) => id !== first);
    expect(second).toBeDefined();
    // Never mistaken for a legacy server: no SSE stream was opened at the MCP URL with a GET lacking a session.
    expect(upstream.received.filter((r) => r.method === 'POST').at(-1)?.headers['mcp-session-id']).toBe(second);
    child.stdin.end();
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
  });
});

describe('a slow call', () => {
  let upstream: SdkUpstream;
  let release: () => void;
  beforeEach(async () => {
    upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET, release: new Promise<void>((resolve) => (release = resolve)) });
  });
  afterEach(async () => {
    release();
    await upstream.close();
  });

  test('holds up no other message: a quick call completes while it waits', async () => {
    const client = new Client({ name: 'agent', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'stdio', 'default'], env: env(upstream.url) as Record<string, string>, stderr: 'ignore' }));
    let slowDone = false;
    const slow = client.callTool({ name: 'notify-then-wait', arguments: {} }).then((r) => {
      slowDone = true;
      return r;
    });
    const quick = await client.callTool({ name: 'echo', arguments: { text: 'not stuck' } });
    expect(quick.content).toEqual([{ type: 'text', text: 'echo: not stuck' }]);
    expect(slowDone).toBe(false);
    release();
    expect((await slow).content).toEqual([{ type: 'text', text: 'released' }]);
    await client.close();
  });
});
