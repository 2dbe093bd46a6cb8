// One signed MCP `initialize` straight to the upstream (no daemon needed), to
// prove a credential works. Never follows redirects; ends the session it opened.
import type { ServerConfig } from '../config/schema.js';
import { createSigner } from '../auth/index.js';
import { LOCAL_USER } from '../auth/scheme.js';
import { Redactor } from '../observability/redact.js';
import { SecretResolver } from '../secrets/resolve.js';
import { isSecretReference } from '../secrets/reference.js';

export interface VerifyInput {
  name: string;
  server: ServerConfig;
  /** The secret just entered, used for the server's keychain reference. */
  secret: string;
  timeoutMs?: number;
}

export interface VerifyResult {
  ok: boolean;
  status?: number;
  detail: string;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-auth-proxy-login', version: '1' } },
});

export async function verifyServer(input: VerifyInput): Promise<VerifyResult> {
  const secrets = new SecretResolver({
    env: {},
    redactor: new Redactor(),
    store: { label: 'login', get: async () => input.secret, set: async () => undefined, delete: async () => false },
  });
  const signer = await createSigner(input.server.auth, { server: input.name, secrets });
  const url = new URL(input.server.url);
  const plainHeaders = Object.fromEntries(Object.entries(input.server.headers).filter(([, v]) => !isSecretReference(v)));
  const send = (method: string, extra: Record<string, string>, body?: string) =>
    fetch(url, {
      method,
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs ?? 15_000),
      headers: { ...plainHeaders, ...extra, ...signer.sign({ method, url, headers: {}, identity: LOCAL_USER }) },
      ...(body ? { body } : {}),
    });
  let response: Response;
  try {
    response = await send('POST', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' }, INITIALIZE);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, detail: `could not connect (${cause?.code ?? cause?.message ?? (error as Error).message})` };
  }
  const text = (await response.text().catch(() => '')).slice(0, 300).replace(/\s+/g, ' ');
  if (!response.ok) return { ok: false, status: response.status, detail: `HTTP ${response.status}${text ? `: ${text}` : ''}` };
  const session = response.headers.get('mcp-session-id');
  if (session) await send('DELETE', { 'mcp-session-id': session }).catch(() => undefined);
  return { ok: true, status: response.status, detail: `HTTP ${response.status}` };
}
