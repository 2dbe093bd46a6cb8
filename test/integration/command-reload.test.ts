// A reload and a command server: with nothing changed (secret values
// included) its processes and sessions carry on; when a secret changes, new
// sessions get new processes with the new value, the old process finishes
// the call in flight and is then stopped, and its session is gone (404:
// initialize again).
import type { CommandUpstream } from '../../src/upstreams/stdio/upstream.js';
import { running } from '../helpers/processes.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { connectClient, sdkServer, textOf } from '../helpers/stdio-servers.js';

let proxy: TestProxy;
const env: NodeJS.ProcessEnv = { RELOAD_TOKEN: 'first-secret-value-1a2b' };

beforeEach(async () => {
  env.RELOAD_TOKEN = 'first-secret-value-1a2b';
  proxy = await startTestProxy({ servers: { tools: sdkServer({ env: { API_TOKEN: 'env:RELOAD_TOKEN' } }) } }, env);
});
afterEach(async () => {
  await proxy.close();
});

const report = async (client: Awaited<ReturnType<typeof connectClient>>) => JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number; hash: string };
const runtime = () => (proxy.proxy.upstreams.get('tools') as CommandUpstream).runtime;

test('a reload that changes nothing keeps the process and the session', async () => {
  const client = await connectClient(`${proxy.url}/tools/mcp`);
  const before = await report(client);
  const kept = runtime();
  await proxy.reload();
  expect(runtime()).toBe(kept);
  expect(await report(client)).toEqual(before);
  await client.close();
});

test('a changed secret: the old process finishes its call, then stops; new sessions start with the new value', async () => {
  const old = await connectClient(`${proxy.url}/tools/mcp`);
  const before = await report(old);
  const oldRuntime = runtime();
  // The call is running in the old process (its first progress came) when the reload happens.
  let running_!: () => void;
  const started = new Promise<void>((resolve) => (running_ = resolve));
  const inFlight = old.callTool({ name: 'slow', arguments: { ms: 300, tag: 'finished on the old process' } }, undefined, { onprogress: () => running_() });
  await started;

  env.RELOAD_TOKEN = 'second-secret-value-3c4d';
  await proxy.reload();
  expect(runtime()).not.toBe(oldRuntime);

  const fresh = await connectClient(`${proxy.url}/tools/mcp`);
  const after = await report(fresh);
  expect(after.pid).not.toBe(before.pid);
  expect(after.hash).not.toBe(before.hash);

  expect(textOf(await inFlight)).toBe('finished on the old process');
  await oldRuntime?.drain();
  expect(running(before.pid)).toBe(false);
  await expect(old.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(/Session not found|404/);
  await Promise.all([old.close(), fresh.close()]);
});
