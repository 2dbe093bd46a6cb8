// One signed MCP `initialize` straight to the upstream (no daemon needed), to
// prove a credential works (login and doctor). Never follows redirects; ends
// the session it opened.
import type { ServerConfig } from '../config/schema.js';
import { LOCAL_USER, type Signer } from '../auth/scheme.js';
import { Redactor } from '../observability/redact.js';
import { SecretResolver } from '../secrets/resolve.js';
import { isSecretReference } from '../secrets/reference.js';
import { httpRequest, type SimpleResponse } from './http-request.js';

export interface VerifyInput {
  name: string;
  server: ServerConfig;
  /** Built from the server's auth (login's just-entered secret, or the real stores). */
  signer: Signer;
  timeoutMs?: number;
}

/** A resolver whose keychain holds exactly the secrets just entered at login (account → value). */
export function enteredSecretResolver(secrets: Map<string, string>, env: NodeJS.ProcessEnv = {}): SecretResolver {
  return new SecretResolver({
    env,
    redactor: new Redactor(),
    store: { label: 'login', get: async (account) => secrets.get(account), set: async () => undefined, delete: async () => false },
  });
}

export interface VerifyResult {
  ok: boolean;
  status?: number;
  detail: string;
  /** The upstream's Date header, for the clock-skew check. */
  date?: string;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-auth-proxy-login', version: '1' } },
});

export async function verifyServer(input: VerifyInput): Promise<VerifyResult> {
  const { signer } = input;
  const url = new URL(input.server.url);
  const plainHeaders = Object.fromEntries(Object.entries(input.server.headers).filter(([, v]) => !isSecretReference(v)));
  const send = (method: string, extra: Record<string, string>, body?: string) =>
    httpRequest(url, {
      method,
      timeoutMs: input.timeoutMs ?? 15_000,
      headers: { ...plainHeaders, ...extra, ...signer.sign({ method, url, headers: {}, identity: LOCAL_USER }) },
      ...(body ? { body } : {}),
    });
  let response: SimpleResponse;
  try {
    response = await send('POST', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' }, INITIALIZE);
  } catch (error) {
    return { ok: false, detail: `could not connect (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const text = response.text.slice(0, 300).replace(/\s+/g, ' ');
  const date = typeof response.headers.date === 'string' ? response.headers.date : undefined;
  const ok = response.status >= 200 && response.status < 300;
  if (!ok) return { ok: false, status: response.status, detail: `HTTP ${response.status}${text ? `: ${text}` : ''}`, ...(date ? { date } : {}) };
  const session = response.headers['mcp-session-id'];
  if (typeof session === 'string') await send('DELETE', { 'mcp-session-id': session }).catch(() => undefined);
  return { ok: true, status: response.status, detail: `HTTP ${response.status}`, ...(date ? { date } : {}) };
}
