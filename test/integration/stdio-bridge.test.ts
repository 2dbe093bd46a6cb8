// `mcp-auth-proxy stdio <server>` driven by the SDK's stdio client, as Claude
// Desktop runs it: tools listed and called on a signed upstream (every
// request's signature verified), a server notification sent during a call
// arrives before its result, stdout carries only JSON-RPC, and closing stdin
// deletes the upstream session and ends the process.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { eventually } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

const SECRET = 'stdio-bridge-secret-5e6f7a8b';
let upstream: SdkUpstream;
let release: () => void;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-stdio', secret: SECRET, release: new Promise<void>((resolve) => (release = resolve)) });
});
afterEach(async () => {
  release();
  await upstream.close();
});

function bridge(env: NodeJS.ProcessEnv = { MCP_UPSTREAM_URL: upstream.url, MCP_API_KEY: 'key-stdio', MCP_API_SECRET: SECRET }, home = mkdtempSync(join(tmpdir(), 'map-stdio-'))): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'stdio', 'default'],
    env: cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', ...env }) as Record<string, string>,
    stderr: 'pipe',
  });
}

test('lists and calls tools on a signed upstream; a notification arrives mid-call; closing stdin deletes the session', async () => {
  const transport = bridge();
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const transportErrors: Error[] = [];
  const client = new Client({ name: 'desktop-agent', version: '1' });
  await client.connect(transport);
  transport.onerror = (error) => transportErrors.push(error);

  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'notify-then-wait']);
  const echo = await client.callTool({ name: 'echo', arguments: { text: 'through stdio' } });
  expect(echo.content).toEqual([{ type: 'text', text: 'echo: through stdio' }]);

  const notes: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    notes.push(String(n.params.data));
    release();
  });
  const waited = await client.callTool({ name: 'notify-then-wait', arguments: {} });
  expect(notes).toEqual(['first notification']);
  expect(waited.content).toEqual([{ type: 'text', text: 'released' }]);

  const session = upstream.received.find((r) => typeof r.headers['mcp-session-id'] === 'string')?.headers['mcp-session-id'];
  expect(session).toBeDefined();
  await client.close();
  await eventually(() => upstream.received.some((r) => r.method === 'DELETE'));
  const deleted = upstream.received.find((r) => r.method === 'DELETE');
  expect(deleted?.headers['mcp-session-id']).toBe(session);
  expect(upstream.rejected()).toEqual([]);
  expect(upstream.received.length).toBeGreaterThanOrEqual(5);
  // Nothing but JSON-RPC reached the client on stdout, and the secret showed nowhere.
  expect(transportErrors).toEqual([]);
  expect(stderr).not.toContain(SECRET);
});

test('a secret that cannot be read: the bridge still answers, each request with an error that says what to run', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-stdio-'));
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  const server = { url: upstream.url, auth: { type: 'hmac', keyId: 'key-stdio', secret: 'env:GATEWAY_SECRET' } };
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { default: server } }));
  const transport = bridge({}, home);
  const client = new Client({ name: 'desktop-agent', version: '1' });
  const failure = await client.connect(transport).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(failure?.message).toMatch(/environment variable GATEWAY_SECRET, which is not set.*mcp-auth-proxy login default/);
  expect(upstream.received).toEqual([]);
  await transport.close();
});
