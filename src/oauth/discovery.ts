// Finds the authorization server for an MCP server, per the MCP authorization
// spec: the 401 challenge's resource_metadata (or the RFC 9728 well-known
// URIs), then RFC 8414 / OpenID metadata at the listed issuer, accepted only
// when its `issuer` is the one it was fetched for and it offers PKCE S256.
import {
  buildDiscoveryUrls,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi';
import type { OAuthConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { fetchWithTimeout, requireSecure, timedFetch } from './http.js';
import { canonicalResource, resourceCovers } from './resource.js';

export interface Discovery {
  as: AuthorizationServer;
  /** The RFC 8707 `resource` sent on authorize and token requests. */
  resource: string;
  /** Scopes to request: config, else the 401 challenge, else the resource's scopes_supported. */
  scope?: string;
}

const PROBE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-auth-proxy-login', version: '1' } },
});

export async function discover(name: string, serverUrl: string, auth: OAuthConfig, progress: (text: string) => void): Promise<Discovery> {
  let issuer = auth.authorizationServer;
  let resource = canonicalResource(serverUrl);
  let scope = auth.scope;
  /** A server of the 2025-03-26 era: no protected resource metadata, its own origin signs in. */
  let legacy = false;
  requireSecure(name, 'MCP server URL', serverUrl);
  if (!issuer) {
    progress(`Asking ${serverUrl} where it signs in ...`);
    const challenge = await probe(name, serverUrl);
    scope ??= challenge.scope;
    requireSecure(name, 'protected resource metadata URL', challenge.resourceMetadataUrl?.href);
    let metadata: Awaited<ReturnType<typeof discoverOAuthProtectedResourceMetadata>> | undefined;
    try {
      metadata = await discoverOAuthProtectedResourceMetadata(
        serverUrl,
        challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : undefined,
        timedFetch,
      );
    } catch (error) {
      if (challenge.resourceMetadataUrl) {
        throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: cannot read the protected resource metadata at ${challenge.resourceMetadataUrl.href}: ${(error as Error).message}`);
      }
      // 2025-03-26 servers publish no resource metadata: their own origin is the authorization server.
      progress(`No protected resource metadata; trying ${new URL(serverUrl).origin} as the authorization server (2025-03-26 style)`);
      legacy = true;
    }
    if (metadata) {
      legacy = false;
      resource = checkResource(name, metadata.resource, serverUrl);
      issuer = metadata.authorization_servers?.[0];
      if (!issuer) throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: the protected resource metadata lists no authorization_servers`);
      scope ??= metadata.scopes_supported?.join(' ') || undefined;
    } else {
      issuer = new URL(serverUrl).origin;
    }
  }
  requireSecure(name, 'authorization server', issuer);
  progress(`Reading the authorization server metadata of ${issuer} ...`);
  const as = await authorizationServerMetadata(name, issuer, legacy);
  for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint'] as const) {
    requireSecure(name, endpoint.replace(/_/g, ' '), as[endpoint]);
  }
  if (!as.code_challenge_methods_supported?.includes('S256')) {
    throw new AppError(
      'OAUTH_NO_PKCE',
      `${name}: the authorization server ${as.issuer} does not advertise PKCE S256 (code_challenge_methods_supported: ${JSON.stringify(as.code_challenge_methods_supported ?? null)}), so signing in with it is refused`,
      { hint: 'The MCP authorization spec requires PKCE S256; ask the server operator to enable it.' },
    );
  }
  if (!as.authorization_endpoint || !as.token_endpoint) {
    throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: the metadata of ${as.issuer} lacks an authorization_endpoint or token_endpoint`);
  }
  return { as, resource, ...(scope ? { scope } : {}) };
}

/** One unauthenticated MCP request: a 401 carries the resource_metadata URL and the scopes wanted. */
async function probe(name: string, serverUrl: string): Promise<ReturnType<typeof extractWWWAuthenticateParams>> {
  let response: Response;
  try {
    response = await fetchWithTimeout(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: PROBE,
    });
  } catch (error) {
    throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: cannot reach ${serverUrl}: ${causeText(error)}`, {
      hint: 'Run `mcp-auth-proxy doctor` to check DNS, TCP and TLS to it.',
    });
  }
  await response.body?.cancel();
  return response.status === 401 ? extractWWWAuthenticateParams(response) : {};
}

/**
 * RFC 8414 / OpenID metadata for `issuer`, refused unless it names exactly
 * that issuer. `legacy` (a 2025-03-26 server, found with no resource
 * metadata) relaxes two things, for that era only, as its spec allowed:
 * metadata at the origin may name an issuer on the same origin with another
 * path, and with no metadata at all the default endpoints /authorize, /token
 * and /register at the origin are used.
 */
async function authorizationServerMetadata(name: string, issuer: string, legacy: boolean): Promise<AuthorizationServer> {
  let expected = new URL(issuer);
  const tried: string[] = [];
  for (const { url } of buildDiscoveryUrls(expected)) {
    let response: Response;
    try {
      response = await fetchWithTimeout(url, { headers: { accept: 'application/json' } });
    } catch (error) {
      throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: cannot reach ${url.href}: ${causeText(error)}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      tried.push(`${url.href} (HTTP ${response.status})`);
      if (response.status >= 500) break;
      continue;
    }
    const claimed = await response
      .clone()
      .json()
      .then((body: unknown) => (body as { issuer?: unknown } | null)?.issuer)
      .catch(() => undefined);
    if (typeof claimed === 'string' && claimed !== expected.href && claimed !== issuer) {
      if (!legacy || !sameOrigin(claimed, expected)) {
        throw new AppError(
          'OAUTH_ISSUER_MISMATCH',
          `${name}: the metadata at ${url.href} claims issuer "${claimed}", but it was fetched for "${issuer}"; refusing to use it`,
          { hint: 'RFC 8414 requires the two to be identical; a mismatch can mean a misconfigured or impersonated authorization server.' },
        );
      }
      expected = new URL(claimed);
    }
    try {
      return await processDiscoveryResponse(expected, response);
    } catch (error) {
      throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: the metadata at ${url.href} is not usable: ${(error as Error).message}`);
    }
  }
  if (legacy && tried.length > 0 && tried.every((t) => t.endsWith('(HTTP 404)'))) return defaultEndpoints(expected.origin);
  throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: no authorization server metadata for ${issuer}; tried ${tried.join(', ')}`, {
    hint: 'Set servers.<name>.auth.authorizationServer if the server documents its issuer elsewhere.',
  });
}

function sameOrigin(url: string, other: URL): boolean {
  try {
    return new URL(url).origin === other.origin;
  } catch {
    return false;
  }
}

/** What a 2025-03-26 client assumes of a server that publishes no metadata: the endpoints at fixed paths, PKCE S256. */
function defaultEndpoints(origin: string): AuthorizationServer {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    code_challenge_methods_supported: ['S256'],
  };
}

/** The resource the metadata names must be this server or a parent path of it on the same origin. */
function checkResource(name: string, resource: string, serverUrl: string): string {
  if (!resourceCovers(resource, serverUrl)) {
    throw new AppError('OAUTH_DISCOVERY_FAILED', `${name}: the protected resource metadata is for ${resource}, not ${serverUrl}; refusing it`);
  }
  return resource;
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
