// Redaction by value on the outputs an upstream can put a credential into:
// the stdio bridge's stdout (its JSON-RPC errors quote the upstream's error
// body; answers it relays are re-encoded), and the answers the proxy writes
// itself (a 503 quoting the token endpoint's error, /statusz). A careless
// upstream or authorization server repeats the secret; the agent never sees it.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { listen } from '../helpers/net.js';
import { INITIALIZE, jsonOf, mcpHeaders, startOAuthBed, storedTokens, type OAuthBed } from '../helpers/oauth-proxy.js';

const TOKEN = 'bridge-planted-token-61c0de2a';

describe('the stdio bridge', () => {
  let upstream: Awaited<ReturnType<typeof listen>>;
  afterEach(() => upstream.close());

  test('an upstream that echoes the credential, in an error and in an answer, never puts it on stdout', async () => {
    // Refuses initialize quoting the token it got; answers ping (sent after a retry) quoting it too.
    upstream = await listen((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        const message = JSON.parse(body || '{}') as { id?: number; method?: string };
        if (message.method === 'initialize') {
          res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `token ${req.headers.authorization} is not allowed here` }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { note: `you sent ${req.headers.authorization}` } }));
      });
    });
    const home = mkdtempSync(join(tmpdir(), 'map-bridge-redact-'));
    const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), PLANTED_TOKEN: TOKEN, MCP_LOG_LEVEL: 'debug' });
    const config = join(home, 'c.json');
    writeFileSync(config, JSON.stringify({ servers: { echo: { url: `${upstream.url}/mcp`, auth: { type: 'bearer', token: 'env:PLANTED_TOKEN' } } } }));
    const child = spawn(process.execPath, [BIN, 'stdio', 'echo', '--config', config], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const answers = new Map<number, string>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`;
      answers.set((JSON.parse(line) as { id: number }).id, line);
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    while (!answers.has(1) || !answers.has(2)) await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    expect(answers.get(1)).toContain('is not allowed here');
    expect(answers.get(1)).toContain('[REDACTED]');
    expect(answers.get(2)).toContain('you sent Bearer [REDACTED]');
    expect(stdout + stderr).not.toContain(TOKEN);
  });
});

describe('answers the proxy makes itself', () => {
  let bed: OAuthBed;
  afterEach(() => bed.close());

  test('a 503 quoting the token endpoint and /statusz never show the refresh token it repeated', async () => {
    bed = await startOAuthBed();
    expect((await bed.login()).result.code).toBe(0);
    const { refreshToken } = await storedTokens(bed.file);
    const proxy = await bed.startProxy();
    bed.as.revokeAccessTokens();
    bed.as.echoRefusedRefreshTokens(true);
    const response = await fetch(`${proxy.url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(text).toContain('is revoked');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(refreshToken as string);
    const status = await fetch(`${proxy.url}/statusz`);
    const body = JSON.stringify(await jsonOf(status));
    expect(body).toContain('[REDACTED]');
    expect(body).not.toContain(refreshToken as string);
  });
});
