// The fetch the stdio bridge hands the SDK's client transports: every request
// gets the server's static headers, the 2026-07-28 metadata headers and the
// scheme's credential (after waiting for an OAuth refresh if one is due); a
// 401 to an OAuth token is retried once after a refresh, as in the proxy, and
// a 403 insufficient_scope once after a step-up sign-in (the bridge runs in
// the user's session, so it can open the browser; the daemon cannot).
import { LOCAL_USER, type Signer } from '../auth/scheme.js';
import type { ModernHeaders } from './modern-headers.js';

export interface SignedFetchOptions {
  signer: Signer;
  staticHeaders: Record<string, string>;
  modern: ModernHeaders;
  fetch?: typeof fetch;
}

export function createSignedFetch(options: SignedFetchOptions): typeof fetch {
  const { signer, staticHeaders, modern } = options;
  const send = options.fetch ?? fetch;
  const build = async (input: string | URL | Request, init: RequestInit | undefined): Promise<{ url: URL; init: RequestInit }> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(staticHeaders)) if (!headers.has(name)) headers.set(name, value);
    if (typeof init?.body === 'string') {
      for (const [name, value] of Object.entries(modern.headersFor(parse(init.body)))) if (!headers.has(name)) headers.set(name, value);
    }
    const body = signer.needsBody ? bodyBytes(init?.body) : undefined;
    const signed = await signer.sign({ method, url, headers: Object.fromEntries(headers), identity: LOCAL_USER, ...(body ? { body } : {}) });
    for (const [name, value] of Object.entries(signed)) headers.set(name, value);
    return { url, init: { ...init, method, headers } };
  };
  return async (input, init) => {
    await signer.prepare?.();
    let request = await build(input as string | URL | Request, init);
    let response = await send(request.url, request.init);
    if (response.status === 401 && signer.refreshAfterUnauthorized) {
      const refreshing = signer.refreshAfterUnauthorized(new Headers(request.init.headers).get('authorization') ?? undefined);
      if (refreshing) {
        await response.body?.cancel();
        await refreshing;
        request = await build(input as string | URL | Request, init);
        response = await send(request.url, request.init);
        if (response.ok) signer.acceptedAfterRefresh?.(new Headers(request.init.headers).get('authorization') ?? undefined);
      }
    }
    if (response.status === 403 && signer.stepUp && signer.insufficientScope) {
      const scope = signer.insufficientScope(response.headers.get('www-authenticate') ?? undefined);
      if (scope) {
        await response.body?.cancel();
        await signer.stepUp(scope);
        request = await build(input as string | URL | Request, init);
        response = await send(request.url, request.init);
      }
    }
    return response;
  };
}

/** The bytes a body-hashing scheme signs: the SDK's transports send JSON text (or nothing). */
function bodyBytes(body: RequestInit['body']): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('cannot sign a streamed request body');
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
