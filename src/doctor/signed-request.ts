// One signed MCP `initialize` straight to the upstream (no daemon needed), to
// prove a credential works (login and doctor). Never follows redirects; ends
// the session it opened.
import type { HttpServerConfig } from '../config/schema.js';
import { LOCAL_USER, type Signer } from '../auth/scheme.js';
import { Redactor } from '../observability/redact.js';
import { SecretResolver } from '../secrets/resolve.js';
import { isSecretReference } from '../secrets/reference.js';
import { httpRequest, type SimpleResponse } from './http-request.js';

export interface VerifyInput {
  name: string;
  server: HttpServerConfig;
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
  // What the signer sent (a live signature and its timestamp, tokens) is cut out of any answer we show:
  // an upstream that echoes request headers in its error body must not put them on the screen.
  const sent = new Redactor();
  const send = async (method: string, extra: Record<string, string>, body?: string) => {
    const headers = { ...plainHeaders, ...extra, host: url.host, ...(body !== undefined || method === 'POST' ? { 'content-length': String(Buffer.byteLength(body ?? '')) } : {}) };
    const signed = await signer.sign({ method, url, headers, identity: LOCAL_USER, ...(signer.needsBody ? { body: Buffer.from(body ?? '', 'utf8') } : {}) });
    for (const value of credentialValues(signed, input.server)) sent.add(value);
    return httpRequest(url, {
      method,
      timeoutMs: input.timeoutMs ?? 15_000,
      headers: { ...headers, ...signed },
      ...(body ? { body } : {}),
    });
  };
  let response: SimpleResponse;
  try {
    response = await send('POST', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' }, INITIALIZE);
  } catch (error) {
    return { ok: false, detail: `could not connect (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  // Redacted whole, before it is cut: a cut must not leave the start of a signature behind.
  const text = sent.redact(response.text).replace(/\s+/g, ' ').slice(0, 300);
  const date = typeof response.headers.date === 'string' ? response.headers.date : undefined;
  const ok = response.status >= 200 && response.status < 300;
  if (!ok) return { ok: false, status: response.status, detail: `HTTP ${response.status}${text ? `: ${text}` : ''}`, ...(date ? { date } : {}) };
  const session = response.headers['mcp-session-id'];
  if (typeof session === 'string') await send('DELETE', { 'mcp-session-id': session }).catch(() => undefined);
  return { ok: true, status: response.status, detail: `HTTP ${response.status}`, ...(date ? { date } : {}) };
}

/**
 * The signed headers' values (of an Authorization value, the credential after
 * its scheme), but not the values the config shows anyway (the hmac key id, the act-as user):
 * those help tell which key or user the upstream refused.
 */
function credentialValues(signed: Record<string, string>, server: HttpServerConfig): string[] {
  const auth = server.auth;
  const visible = new Set([auth.type === 'hmac' ? auth.keyId : undefined, auth.type === 'act-as' ? auth.user : undefined]);
  const values: string[] = [];
  for (const value of Object.values(signed)) {
    if (visible.has(value)) continue;
    // "Bearer <token>": the token goes, the scheme stays readable ("invalid token: Bearer [REDACTED]").
    values.push(/^(Bearer|Basic|Token) +(\S.*)$/i.exec(value)?.[2] ?? value);
  }
  return values;
}
