// Process lifecycle: SIGTERM drains and exits 0 (ending held streams); a
// second signal forces exit; a port already in use fails clearly with exit 1.
import type { ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, finished, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { listen, openStream, request } from '../helpers/net.js';

let upstream: Awaited<ReturnType<typeof listen>>;
const held: ServerResponse[] = [];
let sawRequest!: () => void;
let requestSeen: Promise<void>;

beforeEach(async () => {
  requestSeen = new Promise((resolve) => (sawRequest = resolve));
  upstream = await listen((req, res) => {
    if (req.url === '/hang/mcp') {
      held.push(res);
      sawRequest();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': hello\n\n');
    held.push(res);
  });
});
afterEach(async () => {
  for (const res of held.splice(0)) res.destroy();
  await upstream.close();
});

const env = (dir: string, extra: NodeJS.ProcessEnv = {}) =>
  cleanEnv({ HOME: dir, MCP_UPSTREAM_URL: `${upstream.url}/mcp`, MCP_API_KEY: 'k', MCP_API_SECRET: 'lifecycle-secret', ...extra });

test('SIGTERM closes open streams and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-life-'));
  const child = spawnCli(['start', '--listen', '127.0.0.1:0'], { cwd: dir, env: env(dir) });
  const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const stream = await openStream(`${url}/mcp`, { headers: { accept: 'text/event-stream' } });
  await stream.next(/: hello\n\n/);
  const ended = new Promise<void>((resolve) => stream.res.once('close', resolve));
  child.kill('SIGTERM');
  const result = await finished(child);
  await ended;
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('"message":"shutting down');
  expect(result.stderr).toContain('"message":"stopped"');
});

test('a second signal forces exit while a request is still in flight', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-life-'));
  const child = spawnCli(['start', '--listen', '127.0.0.1:0'], {
    cwd: dir,
    env: env(dir, { MCP_UPSTREAM_URL: `${upstream.url}/hang/mcp`, MCP_REQUEST_TIMEOUT: '1h' }),
  });
  const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const inflight = request(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => 'aborted');
  await requestSeen;
  child.kill('SIGTERM');
  await new Promise<void>((resolve) => {
    const check = () => (child.out.stderr.includes('shutting down') ? resolve() : child.stderr?.once('data', check));
    check();
  });
  child.kill('SIGINT');
  const result = await finished(child);
  expect(result.code).toBe(130);
  expect(result.stderr).toContain('"message":"forced exit"');
  await inflight;
});

test('a port already in use is a clear error naming the port, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-life-'));
  const taken = await listen((_req, res) => res.end());
  const result = await runCli(['start', '--listen', `127.0.0.1:${taken.port}`], { cwd: dir, env: env(dir) });
  await taken.close();
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`error: Cannot listen on 127.0.0.1:${taken.port}: port ${taken.port} is already in use`);
  expect(result.stderr).toContain('hint: ');
});
