// Which client id a login uses, in the MCP spec's order: a pre-registered id
// from config, a stored registration with this same issuer, a client id
// metadata document (when the server supports them and one is configured),
// then dynamic registration asking for the refresh_token grant.
import {
  ClientSecretPost,
  None,
  dynamicClientRegistrationRequest,
  processDynamicClientRegistrationResponse,
  type AuthorizationServer,
  type Client,
  type ClientAuth,
} from 'oauth4webapi';
import type { OAuthConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { OAuthClientRecord } from './credentials.js';
import { requestOptions } from './http.js';

export interface ClientChoice {
  as: AuthorizationServer;
  auth: OAuthConfig;
  /** The secret of a pre-registered confidential client, resolved from auth.clientSecret. */
  clientSecret?: string;
  stored?: OAuthClientRecord;
  redirectUri: string;
  now: number;
}

export async function obtainClient(name: string, choice: ClientChoice): Promise<OAuthClientRecord> {
  const { as, auth, stored, redirectUri, now } = choice;
  if (auth.clientId) {
    // Pre-registered credentials belong to one authorization server (spec: never send them to another).
    if (stored?.method === 'static' && stored.clientId === auth.clientId && stored.issuer !== as.issuer) {
      throw new AppError(
        'OAUTH_ISSUER_CHANGED',
        `${name}: client id ${auth.clientId} was first used with ${stored.issuer}, but the server now names ${as.issuer}; refusing to send it there`,
        { hint: `If the move is genuine, run \`mcp-auth-proxy logout ${name}\` and sign in again (or set auth.authorizationServer).` },
      );
    }
    return {
      issuer: as.issuer,
      clientId: auth.clientId,
      ...(choice.clientSecret ? { clientSecret: choice.clientSecret } : {}),
      method: 'static',
      registeredAt: now,
    };
  }
  // Registrations are bound to the issuer that made them (spec: never reuse across servers).
  if (stored && stored.issuer === as.issuer && stored.method !== 'static' && (stored.method !== 'dynamic' || stored.redirectUri === redirectUri)) {
    return stored;
  }
  if (as.client_id_metadata_document_supported === true && auth.clientMetadataUrl) {
    return { issuer: as.issuer, clientId: auth.clientMetadataUrl, method: 'metadata-document', registeredAt: now };
  }
  if (!as.registration_endpoint) {
    throw new AppError(
      'OAUTH_NO_CLIENT',
      `${name}: ${as.issuer} offers no dynamic client registration${auth.clientMetadataUrl ? '' : ' and no client id metadata document is configured'}`,
      { hint: `Register a client with the server's operator (redirect URI http://127.0.0.1/callback) and set servers.${name}.auth.clientId.` },
    );
  }
  let registered: Awaited<ReturnType<typeof processDynamicClientRegistrationResponse>>;
  try {
    const response = await dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'mcp-auth-proxy',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        ...(auth.scope ? { scope: auth.scope } : {}),
      },
      requestOptions(as.registration_endpoint),
    );
    registered = await processDynamicClientRegistrationResponse(await withSecretExpiry(response));
  } catch (error) {
    throw new AppError('OAUTH_REGISTRATION_FAILED', `${name}: dynamic client registration at ${as.registration_endpoint} failed: ${oauthErrorText(error)}`, {
      hint: `Register a client by hand and set servers.${name}.auth.clientId.`,
      cause: error,
    });
  }
  return {
    issuer: as.issuer,
    clientId: registered.client_id,
    ...(typeof registered.client_secret === 'string' ? { clientSecret: registered.client_secret } : {}),
    ...(typeof registered.token_endpoint_auth_method === 'string' ? { tokenEndpointAuthMethod: registered.token_endpoint_auth_method } : {}),
    redirectUri,
    method: 'dynamic',
    registeredAt: now,
  };
}

/**
 * RFC 7591 makes client_secret_expires_at required alongside a client_secret,
 * but servers in the wild (and the MCP conformance suite) leave it out, and
 * the SDK and mcp-remote accept that as "does not expire": so do we, by
 * adding the 0 (never) the server meant before oauth4webapi checks the answer.
 */
async function withSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, response);
  }
  const record = body as Record<string, unknown> | null;
  if (record && typeof record === 'object' && typeof record.client_secret === 'string' && record.client_secret_expires_at === undefined) {
    return new Response(JSON.stringify({ ...record, client_secret_expires_at: 0 }), response);
  }
  return new Response(text, response);
}

/** The oauth4webapi client and its token-endpoint authentication. */
export function clientAuth(record: Pick<OAuthClientRecord, 'clientId' | 'clientSecret' | 'tokenEndpointAuthMethod'>, as: AuthorizationServer): [Client, ClientAuth] {
  const client: Client = { client_id: record.clientId };
  if (!record.clientSecret) return [client, None()];
  const method = record.tokenEndpointAuthMethod ?? (as.token_endpoint_auth_methods_supported?.includes('client_secret_basic') === false ? 'client_secret_post' : 'client_secret_basic');
  return [client, method === 'client_secret_post' ? ClientSecretPost(record.clientSecret) : formEncodedBasic(record.clientSecret)];
}

/**
 * client_secret_basic as RFC 6749 §2.3.1 says: id and secret each
 * application/x-www-form-urlencoded, then Basic. oauth4webapi's own version
 * also escapes `-`, `_`, `.` and `*`, which that encoding leaves alone, so a
 * server that compares the decoded id without a second decoding refuses
 * `pre%2Dregistered` for `pre-registered`.
 */
export function formEncodedBasic(clientSecret: string): ClientAuth {
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${formEncode(client.client_id)}:${formEncode(clientSecret)}`).toString('base64')}`);
  };
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** An OAuth error response as `error: description`, anything else as its message. */
export function oauthErrorText(error: unknown): string {
  const e = error as { error?: string; error_description?: string; message?: string };
  if (typeof e.error === 'string') return e.error_description ? `${e.error}: ${e.error_description}` : e.error;
  return e.message ?? String(error);
}
