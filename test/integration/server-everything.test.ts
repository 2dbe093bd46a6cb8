// The SDK client through the proxy to @modelcontextprotocol/server-everything
// in streamableHttp mode: tools work, and server-initiated messages arrive
// over the upstream's GET stream.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { eventually } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startServerEverything, type ServerEverything } from '../helpers/server-everything.js';

let everything: ServerEverything;
let proxy: TestProxy;

beforeEach(async () => {
  everything = await startServerEverything();
  proxy = await startTestProxy({ servers: { everything: { url: everything.url, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  everything.close();
});

test('tools and the GET stream work through the proxy', async () => {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/everything/mcp`)));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'toggle-simulated-logging']));
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'through the proxy' } });
  expect(JSON.stringify(echo.content)).toContain('through the proxy');

  // Simulated logging is sent unrelated to any request, so it can only arrive over the GET stream.
  const logged = new Promise<string>((resolve) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => resolve(String(n.params.data))));
  await client.setLoggingLevel('debug');
  await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
  expect(await logged).toMatch(/message/i);
  await client.close();
  // The GET stream is logged when it closes: the upstream answered it with its own stream (200), not 405.
  const getStream = () => proxy.logs.lines().find((l) => l.message === 'request' && l.method === 'GET');
  await eventually(() => getStream() !== undefined);
  expect(getStream()).toMatchObject({ server: 'everything', upstreamStatus: 200 });
});
