// The policy holds for agents that launch `mcp-auth-proxy stdio <server>`
// too (the bridge goes to the upstream itself, not through the daemon): the
// SDK's stdio client sees only the allowed tools and prompts, and a denied
// call gets the policy's error and never reaches the upstream.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { startPolicyUpstream, type PolicyUpstream } from '../helpers/policy-upstream.js';

let upstream: PolicyUpstream;
let client: Client | undefined;

afterEach(async () => {
  await client?.close();
  await upstream.close();
});

test('lists lose what the policy denies; a denied call is answered by the bridge, never sent', async () => {
  upstream = await startPolicyUpstream('sse');
  const home = mkdtempSync(join(tmpdir(), 'map-stdio-policy-'));
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(
    join(home, 'config', 'mcp-auth-proxy', 'config.json'),
    JSON.stringify({ servers: { github: { url: upstream.url, auth: { type: 'none' } } }, policy: { rules: [{ id: 'no-deletes', deny: ['*delete*'] }] } }),
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'stdio', 'github'],
    env: cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }) as Record<string, string>,
    stderr: 'pipe',
  });
  client = new Client({ name: 'desktop-agent', version: '1' });
  await client.connect(transport);

  expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search_code', 'search_issues', 'create_issue']);
  expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['summarize']);
  await expect(client.callTool({ name: 'delete_repo', arguments: {} })).rejects.toThrow(/policy does not let local-user use the tool "github\.delete_repo": rule "no-deletes"/);
  expect((await client.callTool({ name: 'create_issue', arguments: {} })).content).toEqual([{ type: 'text', text: 'ran create_issue' }]);
  expect(upstream.received.filter((m) => m.method === 'tools/call').map((m) => m.name)).toEqual(['create_issue']);
});
