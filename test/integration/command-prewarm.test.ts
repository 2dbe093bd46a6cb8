// "prewarm": true: the daemon starts a process as it starts, before any
// agent comes (status shows it as the spare, ready), the first session is
// served by that very process, and a new spare is started for the next one.
// Shared: the one process is up before the first session and serves it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/net.js';
import { connectClient, sdkServer, textOf } from '../helpers/stdio-servers.js';

interface Child {
  pid?: number;
  role: string;
  state: string;
}
let daemon: Daemon;

async function startWith(server: Record<string, unknown>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'map-prewarm-'));
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { tools: server } }));
  daemon = await startDaemon(cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state') }), home);
}
afterEach(async () => {
  await daemon.stop();
});

async function children(): Promise<Child[]> {
  const status = (await (await fetch(`${daemon.url}/statusz`)).json()) as { servers: { tools: { children: Child[] } } };
  return status.servers.tools.children;
}

/** Polls status until `predicate` holds for the children; returns them. */
async function childrenWhen(predicate: (children: Child[]) => boolean): Promise<Child[]> {
  let seen: Child[] = [];
  await eventually(() => predicate(seen), 1000, async () => void (seen = await children()));
  return seen;
}

test('per-session: a ready spare before any session; the first session gets it, and a new spare starts', async () => {
  await startWith(sdkServer({ prewarm: true }));
  const [spare] = await childrenWhen((c) => c.length === 1 && c[0]?.state === 'ready');
  expect(spare).toMatchObject({ role: 'spare', state: 'ready', pid: expect.any(Number) });
  const client = await connectClient(`${daemon.url}/tools/mcp`);
  const { pid } = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number };
  expect(pid).toBe(spare?.pid);
  const after = await childrenWhen((c) => c.length === 2);
  expect(after.map((c) => [c.role, c.pid === pid])).toEqual(expect.arrayContaining([['session', true], ['spare', false]]));
  await client.close();
});

test('shared: the one process is up before the first session and serves it', async () => {
  await startWith(sdkServer({ prewarm: true, sharing: 'shared' }));
  const [shared] = await childrenWhen((c) => c.length === 1 && c[0]?.state === 'ready');
  expect(shared).toMatchObject({ role: 'shared', state: 'ready' });
  const client = await connectClient(`${daemon.url}/tools/mcp`);
  const { pid } = JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number };
  expect(pid).toBe(shared?.pid);
  await client.close();
});
