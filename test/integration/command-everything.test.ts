// @modelcontextprotocol/server-everything in stdio mode behind the proxy,
// reached by the SDK client over HTTP through the daemon's handler and by
// the SDK's stdio client through `mcp-auth-proxy stdio` (which runs the
// command itself, in the agent's session); the SDK fixture through the
// bridge gets exactly PATH, HOME, the locale and its declared env too.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN } from '../helpers/cli.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { EVERYTHING, SDK_SERVER, connectClient, textOf } from '../helpers/stdio-servers.js';

const TOKEN = 'bridge-secret-value-5e6f7a8b';

test('the SDK client lists and calls server-everything (stdio) through the proxy', async () => {
  const proxy: TestProxy = await startTestProxy({ servers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } });
  try {
    const client = await connectClient(`${proxy.url}/everything/mcp`);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'through the proxy' } }))).toBe('Echo: through the proxy');
    await client.close();
  } finally {
    await proxy.close();
  }
});

describe('through the stdio bridge', () => {
  let env: Record<string, string>;
  beforeEach(() => {
    const home = mkdtempSync(join(tmpdir(), 'map-cmd-bridge-'));
    mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
    writeFileSync(
      join(home, 'config', 'mcp-auth-proxy', 'config.json'),
      JSON.stringify({
        servers: {
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
          fixture: { command: process.execPath, args: [SDK_SERVER], env: { API_TOKEN: 'env:BRIDGE_TEST_TOKEN', MODE: 'test' } },
        },
      }),
    );
    env = { PATH: process.env.PATH as string, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), BRIDGE_TEST_TOKEN: TOKEN, AGENT_ONLY: 'not-for-the-server' };
  });

  const connect = async (server: string) => {
    const client = new Client({ name: 'stdio-agent', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'stdio', server], env, stderr: 'pipe' }));
    return client;
  };

  test('server-everything: tools listed and called', async () => {
    const client = await connect('everything');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'via stdio' } }))).toBe('Echo: via stdio');
    await client.close();
  });

  test('the command gets only PATH, HOME and its declared env; its secret never reaches the agent', async () => {
    const client = await connect('fixture');
    const report = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { names: string[]; hash: string };
    expect(report.names).toEqual(['API_TOKEN', 'HOME', 'MODE', 'PATH']);
    // The values too: the secret resolved from the agent's environment, PATH and HOME as the agent has them.
    const expected = [['API_TOKEN', TOKEN], ['HOME', env.HOME], ['MODE', 'test'], ['PATH', env.PATH]];
    expect(report.hash).toBe(createHash('sha256').update(JSON.stringify(expected)).digest('hex'));
    expect(textOf(await client.callTool({ name: 'secret-echo', arguments: { name: 'API_TOKEN' } }))).toBe('value: [REDACTED]');
    await client.close();
  });
});
