// Team mode as an operator runs it: the built CLI's daemon serving HTTPS with
// its own certificate, API keys made, listed and revoked with the CLI while
// it runs, `status` and `doctor` reaching it over HTTPS pinned to its
// certificate, and `mcp-json` giving teammates a snippet with no secret.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { ACT_AS_HEADER, GLOBAL_TOKEN, startActAsUpstream, type ActAsUpstream } from '../helpers/act-as-upstream.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';

let home: string;
let env: NodeJS.ProcessEnv;
let upstream: ActAsUpstream;
let daemon: Daemon | undefined;
let cert: string;

/** A throwaway self-signed certificate for 127.0.0.1 and localhost (openssl, as an operator would make one). */
function makeCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=mcp.acme.example', '-addext', 'subjectAltName=DNS:mcp.acme.example,DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'map-team-'));
  chmodSync(home, 0o700);
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', GLEAN_TOKEN: GLOBAL_TOKEN });
  upstream = await startActAsUpstream();
  const { certFile, keyFile } = makeCertificate(home);
  cert = readFileSync(certFile, 'utf8');
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(
    join(home, 'config', 'mcp-auth-proxy', 'config.json'),
    JSON.stringify({
      mode: 'team',
      identity: [{ type: 'apiKey' }],
      tls: { cert: certFile, key: `file:${keyFile}` },
      servers: { glean: { url: upstream.url, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: '$caller', allowDomains: ['acme.example'] } } },
    }),
  );
});
/** The test's TLS clients: closed after each test, so no socket outlives it. */
const dispatchers: Agent[] = [];
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  await daemon?.stop();
  daemon = undefined;
  await upstream.close();
});

/** An agent with a key, trusting the team's certificate. */
async function keyClient(url: string, key: string): Promise<Client> {
  const dispatcher = new Agent({ connect: { ca: cert } });
  dispatchers.push(dispatcher);
  const client = new Client({ name: 'teammate', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/glean/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch,
  });
  await client.connect(transport);
  return client;
}
/** Where the daemon listens, for commands that find it by address (it was started on port 0). */
const at = () => ['--listen', new URL(daemon?.url as string).host];
const textOf = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;

test('HTTPS daemon: a key made with the CLI acts as its user; list shows it without the key; revoke refuses it at the next request; status and doctor reach the daemon pinned to its certificate', async () => {
  const created = await runCli(['keys', 'create', 'alice@acme.example', '--group', 'eng', '--expires', '30d', '--json'], { env });
  expect(created.code).toBe(0);
  const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
  expect(key).toMatch(/^mapk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  const bob = JSON.parse((await runCli(['keys', 'create', 'bob@acme.example', '--json'], { env })).stdout) as { key: string; id: string };

  daemon = await startDaemon(env, home);
  let status: Awaited<ReturnType<typeof runCli>> | undefined;
  expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const client = await keyClient(daemon.url, key);
  try {
    expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice@acme.example');
    expect(upstream.received.every((r) => r.actAs.length === 1 && r.actAs[0] === 'alice@acme.example' && r.headers[ACT_AS_HEADER] === 'alice@acme.example')).toBe(true);

    const listed = await runCli(['keys', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    const keys = (JSON.parse(listed.stdout) as { keys: Array<Record<string, unknown>> }).keys;
    expect(keys).toEqual([
      { id, user: 'alice@acme.example', groups: ['eng'], created: expect.any(String), expires: expect.any(String) },
      { id: bob.id, user: 'bob@acme.example', groups: [], created: expect.any(String) },
    ]);
    expect(listed.stdout).not.toContain(key.slice(-43));

    // status over HTTPS: only the certificate the daemon recorded is believed.
    status = await runCli(['status', '--json', ...at()], { env });
    expect(status.code).toBe(0);
    const live = JSON.parse(status.stdout) as { running: boolean; mode: string; identity: Array<{ type: string; ok: boolean; detail: string }> };
    expect(live.running).toBe(true);
    expect(live.mode).toBe('team');
    expect(live.identity).toEqual([{ type: 'apiKey', ok: true, detail: expect.stringContaining('2 keys in') }]);
    const human = await runCli(['status', ...at()], { env });
    expect(human.stdout).toContain('team mode');
    expect(human.stdout).toMatch(/ok\s+apiKey: 2 keys in/);

    const revoked = await runCli(['keys', 'revoke', id], { env });
    expect(revoked.code).toBe(0);
    const before = upstream.received.length;
    await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow();
    expect(upstream.received.length).toBe(before);
    const bobClient = await keyClient(daemon.url, bob.key);
    expect(textOf(await bobClient.callTool({ name: 'whoami', arguments: {} }))).toBe('bob@acme.example');
    await bobClient.close();
  } finally {
    await client.close().catch(() => undefined);
  }
  const doctor = await runCli(['doctor', '--json', ...at()], { env });
  const checks = JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> };
  const byName = new Map(checks.checks.map((c) => [c.name, c]));
  expect(byName.get('identity: apiKey')).toMatchObject({ status: 'pass' });
  expect(byName.get('tls: certificate')).toMatchObject({ status: 'pass', detail: expect.stringContaining('mcp.acme.example') });
  expect(byName.get('daemon')).toMatchObject({ status: 'pass', detail: expect.stringContaining('https://127.0.0.1') });
  // Stopped, the daemon has written when the key was last used; list shows it.
  expect(await daemon.stop()).toBe(0);
  daemon = undefined;
  const after = JSON.parse((await runCli(['keys', 'list', '--json'], { env })).stdout) as { keys: Array<Record<string, unknown>> };
  expect(after.keys).toEqual([{ id: bob.id, user: 'bob@acme.example', groups: [], created: expect.any(String), lastUsed: expect.any(String) }]);
  // Nothing the proxy holds leaks into what the CLI prints.
  for (const output of [status?.stdout, doctor.stdout, doctor.stderr]) expect(output).not.toContain(GLOBAL_TOKEN);
});

test('a key store others can write is not used: every key is refused, and keys, status and doctor say what to run', async () => {
  const created = JSON.parse((await runCli(['keys', 'create', 'bob@acme.example', '--json'], { env })).stdout) as { key: string };
  const store = join(home, 'state', 'mcp-auth-proxy', 'api-keys.json');
  chmodSync(store, 0o666);
  daemon = await startDaemon(env, home);
  await expect(keyClient(daemon.url, created.key)).rejects.toThrow();
  expect(upstream.received).toHaveLength(0);
  const listed = await runCli(['keys', 'list'], { env });
  expect(listed.code).toBe(1);
  expect(listed.stderr).toContain(`chmod 600 ${store}`);
  const status = JSON.parse((await runCli(['status', '--json', ...at()], { env })).stdout) as { identity: Array<{ ok: boolean; detail: string }> };
  expect(status.identity[0]).toEqual({ type: 'apiKey', ok: false, detail: expect.stringContaining('other users can read it') });
  const doctor = JSON.parse((await runCli(['doctor', '--json', ...at()], { env })).stdout) as { checks: Array<{ name: string; status: string }> };
  expect(doctor.checks.find((c) => c.name === 'identity: apiKey')?.status).toBe('fail');
});

test('mcp-json in team mode: the public URL and no secret; command-only agents run mcp-remote, which signs in by itself', async () => {
  writeFileSync(
    join(home, 'config', 'mcp-auth-proxy', 'config.json'),
    JSON.stringify({
      mode: 'team',
      publicUrl: 'https://mcp.acme.example',
      listen: '0.0.0.0:8787',
      trustedProxies: ['10.0.0.0/8'],
      identity: [{ type: 'apiKey' }, { type: 'jwt', issuer: 'https://login.acme.example' }],
      servers: { glean: { url: upstream.url, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: '$caller' } } },
    }),
  );
  const code = await runCli(['mcp-json', '--client', 'claude-code'], { env });
  expect(code.code).toBe(0);
  const http = JSON.parse(code.stdout) as { mcpServers: Record<string, { type: string; url: string; headers?: unknown }> };
  expect(http.mcpServers.glean).toEqual({ type: 'http', url: 'https://mcp.acme.example/glean/mcp' });
  expect(code.stderr).toContain('signs its user in with the company identity provider');
  expect(code.stderr).toContain('Authorization: Bearer <key>');
  const desktop = await runCli(['mcp-json', '--client', 'claude-desktop'], { env: { ...env, HOME: home } });
  expect(desktop.code).toBe(0);
  const stdio = JSON.parse(desktop.stdout) as { mcpServers: Record<string, { command: string; args: string[] }> };
  expect(stdio.mcpServers.glean).toEqual({ type: 'stdio', command: 'npx', args: ['-y', 'mcp-remote@0.15', 'https://mcp.acme.example/glean/mcp'] });
  for (const output of [code.stdout, desktop.stdout]) expect(output).not.toContain(GLOBAL_TOKEN);
});

test('keys: a wrong email or expiry is a usage error naming the fix; an unknown id to revoke says how to list them; help shows examples', async () => {
  const notEmail = await runCli(['keys', 'create', 'ann'], { env });
  expect(notEmail.code).toBe(2);
  expect(notEmail.stderr).toContain('"ann" is not an email address');
  for (const bad of ['yesterday', '0d', '2001-01-01']) {
    const result = await runCli(['keys', 'create', 'ann@acme.example', '--expires', bad], { env });
    expect([bad, result.code]).toEqual([bad, 2]);
    expect(result.stderr).toContain('is not a time in the future');
  }
  const unknown = await runCli(['keys', 'revoke', 'nosuchkey000'], { env });
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('keys list');
  // Nothing was created by the refused commands.
  expect(JSON.parse((await runCli(['keys', 'list', '--json'], { env })).stdout).keys).toEqual([]);
  const help = await runCli(['keys', 'create', '--help'], { env });
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('mcp-auth-proxy keys create ann@acme.com');
});

test('start refuses a certificate it cannot read, or a key that is not its own, naming the field and the fix; nothing listens', async () => {
  const file = join(home, 'config', 'mcp-auth-proxy', 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as { tls: { cert: string; key: string } };
  writeFileSync(file, JSON.stringify({ ...config, tls: { ...config.tls, cert: join(home, 'missing.crt') } }));
  const missing = await runCli(['start', '--listen', '127.0.0.1:0'], { env });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`tls.cert: cannot read ${join(home, 'missing.crt')} (ENOENT)`);
  expect(missing.stderr).toContain('PEM file with the certificate chain');

  const other = mkdtempSync(join(tmpdir(), 'map-other-'));
  const { keyFile } = makeCertificate(other);
  writeFileSync(file, JSON.stringify({ ...config, tls: { ...config.tls, key: `file:${keyFile}` } }));
  const mismatched = await runCli(['start', '--listen', '127.0.0.1:0'], { env });
  expect(mismatched.code).toBe(1);
  expect(mismatched.stderr).toContain('tls: the certificate and key cannot be used together');
  // The key is a secret: its contents are in no message.
  expect(mismatched.stderr).not.toContain(readFileSync(keyFile, 'utf8').split('\n')[1]);
});

test('a reload that would switch the mode is refused and the running team proxy keeps checking callers', async () => {
  const file = join(home, 'config', 'mcp-auth-proxy', 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // Plain HTTP on loopback for this one (no certificate to trust in the test's requests).
  writeFileSync(file, JSON.stringify({ ...config, tls: undefined, listen: '127.0.0.1:0' }));
  const started = await runCli(['start', '--detach'], { env });
  expect(started.code).toBe(0);
  const url = /running at (http:\/\/\S+) \(pid/.exec(started.stdout)?.[1] as string;
  try {
    writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:0', servers: { glean: { url: upstream.url, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: 'anyone@acme.example' } } } }));
    const reloaded = await runCli(['reload', '--listen', '127.0.0.1:0'], { env });
    expect(reloaded.code).toBe(1);
    expect(reloaded.stderr).toContain('restart the proxy to switch modes');
    const res = await fetch(`${url}/glean/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(res.status).toBe(401);
    expect(upstream.received).toHaveLength(0);
  } finally {
    await runCli(['stop', '--listen', '127.0.0.1:0'], { env });
  }
});

test('the stdio bridge refuses a server that acts as each caller, pointing at the team proxy', async () => {
  const file = join(home, 'config', 'mcp-auth-proxy', 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...config, publicUrl: 'https://mcp.acme.example' }));
  const result = await runCli(['stdio', 'glean'], { env });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('acts as each verified caller');
  expect(result.stderr).toContain('https://mcp.acme.example/glean/mcp');
  expect(upstream.received).toHaveLength(0);
});
