// `httpsig`: HTTP Message Signatures (RFC 9421) with a Content-Digest
// (RFC 9530) on bodies. Signature-Input names the covered components and the
// parameters (created, expires, keyid, nonce, tag); Signature carries the
// ed25519, ecdsa-p256-sha256, rsa-pss-sha512 or hmac-sha256 signature of the
// base that signature-base.ts builds. Keys are imported once, at start.
import { constants, createHash, createHmac, createPrivateKey, createSecretKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { HttpSigConfig } from '../config/schema.js';
import { CALLER } from '../config/team-values.js';
import { AppError } from '../errors.js';
import { callerActing } from './act-as.js';
import { fieldValue, serializeSignatureParams, signatureBase, type SignatureParams } from './signature-base.js';
import type { SignInput, SignedHeaders, SyncSigner } from './scheme.js';

export interface HttpSigOptions {
  server: string;
  auth: HttpSigConfig;
  /** The resolved key: a PEM private key, or the shared secret for hmac-sha256. */
  key: string;
  now?: () => number;
  /** Injected for tests that reproduce a fixed nonce; 16 random bytes, base64url, by default. */
  nonce?: () => string;
}

export interface HttpSigSigner extends SyncSigner {
  /** The signature base and headers this request would get (doctor shows them; no secret is in either). */
  build(input: SignInput): { base: string; headers: SignedHeaders };
}

const DERIVED_DEFAULT = ['@method', '@target-uri'] as const;

export function createHttpSigSigner(options: HttpSigOptions): HttpSigSigner {
  const { auth } = options;
  const now = options.now ?? Date.now;
  const nonce = options.nonce ?? (() => randomBytes(16).toString('base64url'));
  const signBytes = signerFor(auth.alg, importKey(options));
  const actAsHeader = auth.actAs?.header.toLowerCase();
  // "$caller" (team mode): the signed act-as user is the verified caller.
  const acting = auth.actAs?.user === CALLER ? callerActing(auth.actAs?.allowDomains) : undefined;
  const digestHash = auth.digest === 'sha-512' ? 'sha512' : 'sha256';
  const expiresMs = auth.expires;
  const headerNames = ['signature', 'signature-input', 'content-digest', ...(actAsHeader ? [actAsHeader] : [])];

  function build(input: SignInput): { base: string; headers: SignedHeaders } {
    const out: SignedHeaders = {};
    const body = input.body;
    const method = input.method.toUpperCase();
    if ((body && body.length > 0) || method === 'POST' || method === 'PUT' || method === 'PATCH') {
      out['content-digest'] = `${auth.digest}=:${createHash(digestHash).update(body ?? Buffer.alloc(0)).digest('base64')}:`;
    }
    if (actAsHeader && auth.actAs) out[actAsHeader] = acting ? acting(input.identity) : auth.actAs.user;
    const headers = { ...input.headers, ...out };
    const components = covered(auth.components, headers, actAsHeader);
    const created = Math.floor(now() / 1000);
    const params: SignatureParams = { keyid: auth.keyId };
    if (auth.created) params.created = created;
    if (expiresMs !== undefined) params.expires = created + Math.ceil(expiresMs / 1000);
    if (auth.nonce) params.nonce = nonce();
    if (auth.tag) params.tag = auth.tag;
    const serialized = serializeSignatureParams(components, params);
    const base = signatureBase(components, { method, url: input.url, headers }, serialized);
    out['signature-input'] = `${auth.label}=${serialized}`;
    out.signature = `${auth.label}=:${signBytes(Buffer.from(base, 'utf8')).toString('base64')}:`;
    return { base, headers: out };
  }

  return {
    type: 'httpsig',
    needsBody: true,
    headerNames,
    build,
    sign: (input) => build(input).headers,
    explain: async (input) => build(input).base.split('\n'),
  };
}

/** The components this request's signature covers: the configured list (headers it lacks left out) or the default. */
function covered(configured: readonly string[] | undefined, headers: SignInput['headers'], actAsHeader: string | undefined): string[] {
  if (configured) return configured.filter((c) => c.startsWith('@') || fieldValue(headers, c) !== undefined);
  const list: string[] = [...DERIVED_DEFAULT];
  if (headers['content-digest'] !== undefined) list.push('content-digest');
  if (fieldValue(headers, 'mcp-session-id') !== undefined) list.push('mcp-session-id');
  if (actAsHeader) list.push(actAsHeader);
  return list;
}

function importKey(options: HttpSigOptions): KeyObject {
  const { auth, key, server } = options;
  const field = `servers.${server}.auth.key`;
  const wrong = (what: string, cause?: unknown) =>
    new AppError('HTTPSIG_KEY', `${field}: ${what}`, {
      hint: auth.alg === 'hmac-sha256'
        ? `Store the shared secret${auth.keyEncoding === 'base64' ? ' in base64 (or set keyEncoding "utf8")' : ''} with \`mcp-auth-proxy login ${server}\`.`
        : `Store a PEM private key for ${auth.alg} with \`mcp-auth-proxy login ${server}\` (e.g. \`openssl genpkey -algorithm ${auth.alg === 'ed25519' ? 'ed25519' : auth.alg === 'rsa-pss-sha512' ? 'rsa-pss' : 'EC -pkeyopt ec_paramgen_curve:P-256'}\`).`,
      ...(cause ? { cause } : {}),
    });
  if (auth.alg === 'hmac-sha256') {
    const bytes = Buffer.from(key.trim(), auth.keyEncoding === 'base64' ? 'base64' : 'utf8');
    if (bytes.length < 16) throw wrong(`the shared secret is ${bytes.length} bytes${auth.keyEncoding === 'base64' ? ' once base64-decoded' : ''}; use at least 16 (32 is usual)`);
    return createSecretKey(bytes);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw wrong('not a PEM private key', error);
  }
  const type = privateKey.asymmetricKeyType;
  const fits =
    (auth.alg === 'ed25519' && type === 'ed25519') ||
    (auth.alg === 'ecdsa-p256-sha256' && type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') ||
    (auth.alg === 'rsa-pss-sha512' && (type === 'rsa' || type === 'rsa-pss'));
  if (!fits) throw wrong(`a ${type}${privateKey.asymmetricKeyDetails?.namedCurve ? ` (${privateKey.asymmetricKeyDetails.namedCurve})` : ''} key cannot sign ${auth.alg}`);
  return privateKey;
}

function signerFor(alg: HttpSigConfig['alg'], key: KeyObject): (data: Buffer) => Buffer {
  switch (alg) {
    case 'ed25519':
      return (data) => cryptoSign(null, data, key);
    case 'ecdsa-p256-sha256':
      // RFC 9421 §3.3.4: r and s as two 32-byte integers, not DER.
      return (data) => cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'rsa-pss-sha512':
      return (data) => cryptoSign('sha512', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
    case 'hmac-sha256':
      return (data) => createHmac('sha256', key).update(data).digest();
  }
}
