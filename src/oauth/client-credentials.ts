// Service accounts: the client credentials grant (RFC 6749 §4.4), where the
// client's own secret, or a JWT signed with its private key (private_key_jwt,
// RFC 7523), gets the access token and no person signs in. Used by `login`
// for the first token and by the proxy for each renewal (no refresh token is
// issued for this grant: the client simply asks again).
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { PrivateKeyJwt, clientCredentialsGrantRequest, processClientCredentialsResponse, type AuthorizationServer, type Client, type ClientAuth } from 'oauth4webapi';
import { AppError } from '../errors.js';
import { clientAuth, oauthErrorText } from './client.js';
import type { OAuthTokens } from './credentials.js';
import { requestOptions } from './http.js';
import { tokensFrom } from './tokens.js';

/** How the client proves itself at the token endpoint: a secret, or a private key (PEM). */
export interface ClientProof {
  clientId: string;
  clientSecret?: string;
  privateKey?: string;
  signingAlgorithm?: string;
  tokenEndpointAuthMethod?: string;
}

/** The oauth4webapi client and authentication for `proof`: private_key_jwt with a key, else the secret's method. */
export async function authenticate(proof: ClientProof, as: AuthorizationServer, server: string): Promise<[Client, ClientAuth]> {
  if (!proof.privateKey) return clientAuth(proof, as);
  const key = await importSigningKey(proof.privateKey, proof.signingAlgorithm, server);
  return [{ client_id: proof.clientId }, PrivateKeyJwt(key)];
}

export interface ClientCredentialsRequest {
  server: string;
  as: AuthorizationServer;
  proof: ClientProof;
  resource: string;
  scope?: string;
  now: number;
  previous?: OAuthTokens;
}

/** One client credentials grant; OAuth errors are thrown as oauth4webapi raises them (callers classify them). */
export async function clientCredentialsTokens(request: ClientCredentialsRequest): Promise<OAuthTokens> {
  const { server, as, proof, resource, scope, now } = request;
  const [client, authentication] = await authenticate(proof, as, server);
  const response = await clientCredentialsGrantRequest(as, client, authentication, { resource, ...(scope ? { scope } : {}) }, requestOptions(as.token_endpoint as string));
  try {
    const result = await processClientCredentialsResponse(as, client, response);
    return tokensFrom(server, result, { as, clientId: proof.clientId, resource, now, ...(request.previous ? { previous: request.previous } : {}) });
  } finally {
    await response.body?.cancel().catch(() => undefined);
  }
}

/** The same, for `login`: a refusal becomes an error that says what to check. */
export async function clientCredentialsLogin(request: ClientCredentialsRequest): Promise<OAuthTokens> {
  try {
    return await clientCredentialsTokens(request);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const { server, as, proof } = request;
    throw new AppError('OAUTH_CLIENT_CREDENTIALS_FAILED', `${server}: the token endpoint ${as.token_endpoint} refused the client credentials: ${oauthErrorText(error)}`, {
      hint: `Check servers.${server}.auth.clientId and its ${proof.privateKey ? 'private key' : 'secret'}; \`mcp-auth-proxy login ${server}\` stores a new one.`,
      cause: error,
    });
  }
}

/** WebCrypto parameters per JWS algorithm. */
const ALGORITHMS: Record<string, webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384' },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512' },
  EdDSA: { name: 'Ed25519' },
};

/** A PEM private key as a signing CryptoKey, for `algorithm` or the one its type implies. */
export async function importSigningKey(pem: string, algorithm: string | undefined, server: string): Promise<webcrypto.CryptoKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new AppError('OAUTH_BAD_PRIVATE_KEY', `servers.${server}.auth.privateKey is not a PEM private key`, {
      hint: `Store the key file with \`mcp-auth-proxy login ${server} --stdin < key.pem\` (PKCS#8 or SEC1/PKCS#1 PEM).`,
    });
  }
  const alg = algorithm ?? defaultAlgorithm(key);
  const params = alg ? ALGORITHMS[alg] : undefined;
  if (!alg || !params) {
    throw new AppError('OAUTH_BAD_PRIVATE_KEY', `servers.${server}.auth.privateKey is a ${key.asymmetricKeyType ?? 'unknown'} key, which has no default signing algorithm`, {
      hint: `Set servers.${server}.auth.signingAlgorithm (${Object.keys(ALGORITHMS).join(', ')}).`,
    });
  }
  try {
    return await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), params, false, ['sign']);
  } catch (error) {
    throw new AppError('OAUTH_BAD_PRIVATE_KEY', `servers.${server}.auth.privateKey cannot sign with ${alg}: ${(error as Error).message}`, {
      hint: `Set servers.${server}.auth.signingAlgorithm to one that fits the key.`,
    });
  }
}

function defaultAlgorithm(key: KeyObject): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return { 'prime256v1': 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[key.asymmetricKeyDetails?.namedCurve ?? ''];
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      return undefined;
  }
}
