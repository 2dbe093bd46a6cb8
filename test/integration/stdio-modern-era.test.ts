// The stdio bridge speaking to a stateless 2026-07-28 upstream: no
// initialize, each request carries its version in _meta, and the bridge adds
// MCP-Protocol-Version, Mcp-Method, Mcp-Name and the Mcp-Param-* headers the
// tool's x-mcp-header annotations ask for, all signed; stdout gets the
// answers as JSON lines and nothing else.
import { spawn } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkSignature } from '../helpers/gateway.js';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { listen } from '../helpers/net.js';

const SECRET = 'modern-era-secret-1c2d3e4f';
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const TOOL = {
  name: 'execute_sql',
  inputSchema: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, query: { type: 'string' } } },
};

let upstream: Awaited<ReturnType<typeof listen>>;
const seen: Array<{ headers: IncomingHttpHeaders; verdict: string; body: { id: number; method: string } }> = [];

beforeEach(async () => {
  seen.length = 0;
  upstream = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      seen.push({ headers: req.headers, verdict: checkSignature(req, 'key-modern', SECRET), body });
      const result = body.method === 'tools/list' ? { tools: [TOOL] } : { content: [{ type: 'text', text: `ran in ${body.params.arguments.region}` }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }));
    });
  });
});
afterEach(async () => {
  await upstream.close();
});

test('per-request metadata headers are added and signed; answers come back on stdout', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-modern-'));
  const child = spawn(process.execPath, [BIN, 'stdio', 'default'], {
    env: cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), MCP_UPSTREAM_URL: `${upstream.url}/mcp`, MCP_API_KEY: 'key-modern', MCP_API_SECRET: SECRET }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout });
  const answers: unknown[] = [];
  const next = () => new Promise<unknown>((resolve) => lines.once('line', (line) => resolve(JSON.parse(line))));

  let answer = next();
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } })}\n`);
  answers.push(await answer);
  answer = next();
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { _meta: META, name: 'execute_sql', arguments: { region: 'us-west1', query: 'SELECT 1' } } })}\n`);
  answers.push(await answer);
  child.stdin.end();
  expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);

  expect(answers).toEqual([
    { jsonrpc: '2.0', id: 1, result: { tools: [TOOL] } },
    { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'ran in us-west1' }] } },
  ]);
  expect(seen.map((s) => s.verdict)).toEqual(['accepted', 'accepted']);
  expect(seen[0]?.headers).toMatchObject({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
  expect(seen[0]?.headers['mcp-name']).toBeUndefined();
  expect(seen[1]?.headers).toMatchObject({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'execute_sql', 'mcp-param-region': 'us-west1' });
  // A stateless upstream: no session was invented, none to delete.
  expect(seen.every((s) => s.headers['mcp-session-id'] === undefined)).toBe(true);
});
