// The SDK client through the proxy to @modelcontextprotocol/server-everything
// in streamableHttp mode: tools work, and server-initiated messages arrive
// over the upstream's GET stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { eventually } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const require = createRequire(import.meta.url);
const everythingMain = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
const reportPort = fileURLToPath(new URL('../fixtures/server-everything/report-port.mjs', import.meta.url));

let child: ChildProcess;
let proxy: TestProxy;

beforeEach(async () => {
  child = spawn(process.execPath, ['--import', reportPort, everythingMain, 'streamableHttp'], {
    env: { PATH: process.env.PATH, PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      const m = /REPORT-PORT (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`server-everything exited: ${text}`)));
  });
  proxy = await startTestProxy({ servers: { everything: { url: `http://127.0.0.1:${port}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  child.kill('SIGKILL');
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
