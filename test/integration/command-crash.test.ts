// A command server's process that dies in the middle of a call: that call
// gets a JSON-RPC error naming what happened, the process starts again (the
// session's initialize replayed to it), and the session's next call works;
// /metrics counts the starts and the crash, and the live processes.
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { connectClient, sdkServer, textOf } from '../helpers/stdio-servers.js';

let proxy: TestProxy;
afterEach(async () => {
  await proxy.close();
});

const metric = async (name: string) => {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{server="tools"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
};

for (const sharing of ['per-session', 'shared'] as const) {
  test(`${sharing}: the call in flight gets an error, the next call works`, async () => {
    proxy = await startTestProxy({ servers: { tools: sdkServer({ sharing }) } });
    const client = await connectClient(`${proxy.url}/tools/mcp`);
    const before = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number };

    const crashed = await client.callTool({ name: 'crash', arguments: {} }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(crashed).toBeInstanceOf(McpError);
    expect((crashed as McpError).message).toMatch(/The command of "tools" exited with code 3 while this request was in flight; it is being started again/);

    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'after' } }))).toBe('echo: after');
    const after = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number };
    expect(after.pid).not.toBe(before.pid);
    expect(await metric('mcp_proxy_child_starts_total')).toBe(2);
    expect(await metric('mcp_proxy_child_crashes_total')).toBe(1);
    expect(await metric('mcp_proxy_children')).toBe(1);
    await client.close();
  });
}
