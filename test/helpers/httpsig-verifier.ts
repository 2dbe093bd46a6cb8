// An RFC 9421 verifier built on http-message-signatures (a separate, widely
// used implementation, not the proxy's signer), plus the RFC 9530 check that
// Content-Digest is the body's digest and that no nonce is seen twice.
import { createHash, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createVerifier, httpbis } from 'http-message-signatures';
import type { Verdict } from './verified-upstream.js';

export interface HttpSigVerifierOptions {
  keyId: string;
  alg: string;
  /** The public key (or, for hmac-sha256, the shared secret bytes). */
  key: KeyObject | Buffer;
  /** Components every request must cover (content-digest is added for requests with a body). */
  required: string[];
  requiredParams: string[];
  tag?: string;
}

const refuse = (why: string): Verdict => ({ ok: false, status: 401, body: { error: why } });

export function httpSigVerifier(options: HttpSigVerifierOptions): (req: IncomingMessage, body: Buffer) => Promise<Verdict> {
  const nonces = new Set<string>();
  const verifier = createVerifier(options.key as KeyObject, options.alg);
  return async (req, body) => {
    const input = String(req.headers['signature-input'] ?? '');
    const nonce = /;nonce="([^"]*)"/.exec(input)?.[1];
    if (nonce !== undefined) {
      if (nonces.has(nonce)) return refuse('nonce seen before');
      nonces.add(nonce);
    }
    if (options.tag !== undefined && !input.includes(`;tag="${options.tag}"`)) return refuse('wrong or missing tag');
    const required = [...options.required];
    if (body.length > 0) {
      const digest = String(req.headers['content-digest'] ?? '');
      const match = /^sha-(256|512)=:([A-Za-z0-9+/=]+):$/.exec(digest);
      if (!match || createHash(`sha${match[1]}`).update(body).digest('base64') !== match[2]) return refuse('content-digest does not match the body');
      required.push('content-digest');
    }
    if (req.headers['mcp-session-id'] !== undefined) required.push('mcp-session-id');
    try {
      const valid = await httpbis.verifyMessage(
        {
          keyLookup: async (params) => (params.keyid === options.keyId ? { id: options.keyId, algs: [options.alg], verify: verifier } : null),
          requiredFields: required,
          requiredParams: options.requiredParams,
          maxAge: 300,
        },
        { method: req.method ?? 'GET', url: `http://${req.headers.host}${req.url}`, headers: req.headers as Record<string, string | string[]> },
      );
      return valid ? { ok: true } : refuse('signature does not verify');
    } catch (error) {
      return refuse(`refused: ${(error as Error).message}`);
    }
  };
}
