// Socket activation as systemd does it: the daemon is started with a
// listening socket as fd 3, LISTEN_FDS=1 and LISTEN_PID set to its own pid (a
// shell sets it and execs node, keeping the pid), and serves that socket
// instead of binding its configured address. Whoever binds the address first
// (the test here, systemd in life) keeps it; agents' requests reach the daemon.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { BIN, cleanEnv, waitForOutput } from '../helpers/cli.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';
import { request } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { KEY_ID, SECRET } from '../helpers/proxy.js';

let upstream: SdkUpstream;
let daemon: (ChildProcess & { out: { stdout: string; stderr: string } }) | undefined;
afterEach(async () => {
  if (daemon && daemon.exitCode === null) {
    const gone = new Promise((resolve) => daemon?.once('close', resolve));
    daemon.kill('SIGTERM');
    await gone;
  }
  await upstream?.close();
});

/** A listening socket on 127.0.0.1:0, as a socket unit would hold it; its fd goes to the daemon. */
async function listeningSocket(): Promise<{ server: net.Server; port: number; fd: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

test('the daemon serves the listening socket passed as fd 3 with LISTEN_FDS/LISTEN_PID, not its configured address', async () => {
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET });
  const sandbox = configSandbox('map-sock-');
  // The configured address is the one the socket unit would also name; the daemon must not try to bind it itself.
  const held = await listeningSocket();
  writeJson(sandbox.userFile, { listen: `127.0.0.1:${held.port}`, servers: { gw: { url: upstream.url, auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:GW_SECRET' } } } });
  const env = cleanEnv(sandbox.env({ GW_SECRET: SECRET }));
  // sh sets LISTEN_PID to its own pid, then exec keeps that pid for node: what systemd's fork+exec does.
  daemon = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"', process.execPath, BIN, 'start'], {
    env,
    cwd: sandbox.project,
    stdio: ['ignore', 'pipe', 'pipe', held.fd],
  }) as ChildProcess & { out: { stdout: string; stderr: string } };
  daemon.out = { stdout: '', stderr: '' };
  daemon.stdout?.setEncoding('utf8').on('data', (c: string) => (daemon!.out.stdout += c));
  daemon.stderr?.setEncoding('utf8').on('data', (c: string) => (daemon!.out.stderr += c));
  // The parent's copy goes: from now on only the daemon holds the socket.
  held.server.close();

  const [, url] = await waitForOutput(daemon, /listening on (http:\/\/\S+)/);
  expect(url).toBe(`http://127.0.0.1:${held.port}`);
  expect(daemon.out.stderr).toContain('socket activation');
  const answer = await request(`${url}/gw/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  expect(answer.status).toBe(200);
  expect(upstream.rejected()).toEqual([]);
  expect(upstream.received.length).toBeGreaterThan(0);
});

test('LISTEN_PID naming another process is not for this daemon: it binds its configured address', async () => {
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET });
  const sandbox = configSandbox('map-sock-');
  writeJson(sandbox.userFile, { listen: '127.0.0.1:0', servers: { gw: { url: upstream.url, auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:GW_SECRET' } } } });
  const held = await listeningSocket();
  daemon = spawn(process.execPath, [BIN, 'start'], {
    env: cleanEnv(sandbox.env({ GW_SECRET: SECRET, LISTEN_PID: '1', LISTEN_FDS: '1' })),
    cwd: sandbox.project,
    stdio: ['ignore', 'pipe', 'pipe', held.fd],
  }) as ChildProcess & { out: { stdout: string; stderr: string } };
  daemon.out = { stdout: '', stderr: '' };
  daemon.stdout?.setEncoding('utf8').on('data', (c: string) => (daemon!.out.stdout += c));
  daemon.stderr?.setEncoding('utf8').on('data', (c: string) => (daemon!.out.stderr += c));
  held.server.close();
  const [, url] = await waitForOutput(daemon, /listening on (http:\/\/\S+)/);
  expect(url).not.toBe(`http://127.0.0.1:${held.port}`);
  expect(daemon.out.stderr).not.toContain('socket activation');
});
