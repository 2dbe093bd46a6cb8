// A stdio MCP server behind the proxy: the SDK client lists and calls its
// tools at /{server}/mcp over Streamable HTTP, and the process gets exactly
// PATH, HOME, the locale and its declared env (a secret reference resolved),
// nothing else of the proxy's environment; what it writes to stderr is
// logged with its secret values redacted.
import { createHash } from 'node:crypto';
import { eventually } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { connectClient, sdkServer, textOf } from '../helpers/stdio-servers.js';

const TOKEN = 'ghp_commandServerToken0123456789abcdef';
let proxy: TestProxy;

beforeEach(async () => {
  proxy = await startTestProxy(
    { servers: { tools: sdkServer({ env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'env:TEST_GITHUB_TOKEN', LOG_FORMAT: 'plain' } }) } },
    { TEST_GITHUB_TOKEN: TOKEN },
  );
});
afterEach(async () => {
  await proxy.close();
});

test('tools are listed and called through the proxy', async () => {
  const client = await connectClient(`${proxy.url}/tools/mcp`);
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['env', 'echo', 'sample', 'progress']));
  expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe('echo: hello');
  await client.close();
});

test('the process environment holds exactly PATH, HOME, the locale and the declared variables', async () => {
  process.env.PROXY_ONLY_SECRET = 'must-not-reach-the-child';
  try {
    const client = await connectClient(`${proxy.url}/tools/mcp`);
    const report = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { names: string[]; hash: string };
    const passed = Object.keys(process.env).filter((name) => ['PATH', 'HOME', 'LANG', 'LANGUAGE'].includes(name) || name.startsWith('LC_'));
    expect(report.names).toEqual([...passed, 'GITHUB_PERSONAL_ACCESS_TOKEN', 'LOG_FORMAT'].sort((a, b) => a.localeCompare(b)));
    const expected = Object.entries({ ...Object.fromEntries(passed.map((name) => [name, process.env[name] as string])), GITHUB_PERSONAL_ACCESS_TOKEN: TOKEN, LOG_FORMAT: 'plain' }).sort(([a], [b]) => a.localeCompare(b));
    expect(report.hash).toBe(createHash('sha256').update(JSON.stringify(expected)).digest('hex'));
    await client.close();
  } finally {
    delete process.env.PROXY_ONLY_SECRET;
  }
});

test('what the process writes has its own secret values redacted', async () => {
  const client = await connectClient(`${proxy.url}/tools/mcp`);
  const text = textOf(await client.callTool({ name: 'secret-echo', arguments: { name: 'GITHUB_PERSONAL_ACCESS_TOKEN' } }));
  expect(text).toBe('value: [REDACTED]');
  await client.close();
});

test('its stderr goes to the log, its secret values redacted', async () => {
  const client = await connectClient(`${proxy.url}/tools/mcp`);
  expect(textOf(await client.callTool({ name: 'say', arguments: { name: 'GITHUB_PERSONAL_ACCESS_TOKEN' } }))).toBe('said');
  await client.close();
  await eventually(() => proxy.logs.text.includes('debug: GITHUB_PERSONAL_ACCESS_TOKEN is'));
  const line = proxy.logs.lines().find((l) => l.message === 'command stderr');
  expect(line).toMatchObject({ server: 'tools', line: 'debug: GITHUB_PERSONAL_ACCESS_TOKEN is [REDACTED]', pid: expect.any(Number) });
  expect(proxy.logs.text).not.toContain(TOKEN);
});
