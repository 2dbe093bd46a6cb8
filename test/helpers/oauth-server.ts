// A real OAuth 2.1 authorization server (the SDK's auth router over an in-memory provider) and the MCP
// server it protects, in one express app on 127.0.0.1:0, for integration tests of the OAuth client.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
// @ts-ignore -- express 5 ships no type declarations and @types/express is not installed; the few handler shapes used here are typed below.
import express from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidGrantError, InvalidTargetError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { createOAuthMetadata, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { listen } from './net.js';

/** A public client that exists from the start, for clients configured with a client_id instead of DCR. */
export const STATIC_CLIENT_ID = 'static-test-client';
/** The user every authorization is auto-approved for; the `whoami` tool names it. */
export const TEST_SUBJECT = 'test-user';

export interface OAuthServerOptions {
  /** Access-token lifetime in seconds (default 3600). Tests use 2-3 s to force refreshes. */
  accessTokenTtlSeconds?: number;
  /** Rotate refresh tokens on every refresh (default true): the old one becomes invalid_grant. */
  rotateRefreshTokens?: boolean;
  /** When false, metadata omits code_challenge_methods_supported (a server that does not advertise PKCE). Default true. */
  advertisePkce?: boolean;
  /** When set, the AS metadata document claims this issuer instead of the real one (to test issuer-mismatch rejection). */
  metadataIssuer?: string;
  /**
   * Advertise client id metadata documents and accept an https URL as client id.
   * A real server fetches the document at that URL; nothing can serve https
   * here, so this one trusts it with a loopback redirect URI.
   */
  clientIdMetadataDocuments?: boolean;
  /** Issue refresh tokens (default true); false: access tokens only, as some servers do. */
  issueRefreshTokens?: boolean;
  /** Fields merged into the authorization server metadata (e.g. an http token_endpoint). */
  metadataOverrides?: Record<string, unknown>;
  /** Include `iss` in authorization responses and advertise authorization_response_iss_parameter_supported (default true). */
  issParameter?: boolean;
  /** Make the next N token-endpoint requests answer HTTP 503 (to test retry with backoff). Also settable later via the returned object. */
  tokenFailures?: number;
}

export interface TestOAuthServer {
  issuer: string;
  mcpUrl: string;
  /** The same MCP server on the legacy HTTP+SSE transport (its SSE endpoint). */
  legacySseUrl: string;
  /** Counters a test asserts on. authorize/register/grants count successes; mcpRequests counts every /mcp request; rejectedTokens counts presented bearer tokens refused. */
  counts: { authorize: number; register: number; authorizationCodeGrants: number; refreshGrants: number; mcpRequests: number; rejectedTokens: number };
  /** Every /authorize request's query parameters and every /token request's form body (503'd ones included), in order. */
  authorizeRequests: Array<Record<string, string>>;
  tokenRequests: Array<Record<string, string>>;
  /** DCR request bodies. */
  registrations: Array<Record<string, unknown>>;
  /** Authorization header values the MCP endpoint received, in order. */
  mcpAuthorizations: Array<string | undefined>;
  /** Makes every refresh token issued so far answer invalid_grant (as if the user revoked the grant). */
  revokeRefreshTokens(): void;
  /** Makes every access token issued so far invalid at /mcp (401) while leaving refresh tokens valid. */
  revokeAccessTokens(): void;
  /** Set how many of the next token requests fail with 503. */
  failTokenRequests(n: number): void;
  /** Delay (ms) the token endpoint waits before answering, so a test can fire concurrent requests during one refresh. */
  setTokenDelay(ms: number): void;
  /** Lifetime of access tokens issued from now on (0: already expired when issued). */
  setAccessTokenTtl(seconds: number): void;
  /** While true, /mcp refuses every token, however fresh (an audience the client cannot fix). */
  rejectAllTokens(on: boolean): void;
  /** While true, a refresh is refused with invalid_grant and an error_description that repeats the refresh token (a careless server). */
  echoRefusedRefreshTokens(on: boolean): void;
  close(): Promise<void>;
}

// The parts of express's request/response/app this file touches (express is untyped here).
type Req = IncomingMessage & { body?: unknown; query: Record<string, unknown>; auth?: AuthInfo };
type Res = ServerResponse & { status(code: number): Res; json(body: unknown): Res; redirect(status: number, url: string): void };
type Handler = (req: Req, res: Res, next: (error?: unknown) => void) => unknown;
interface App {
  (req: IncomingMessage, res: ServerResponse): void;
  use(...handlers: unknown[]): void;
  get(path: string, ...handlers: Handler[]): void;
  post(path: string, ...handlers: Handler[]): void;
  all(path: string, ...handlers: unknown[]): void;
}
const { json, urlencoded } = express as { json(): Handler; urlencoded(o: { extended: boolean }): Handler };

interface Grant {
  clientId: string;
  resource: string | undefined;
  scopes: string[];
}

const opaque = () => randomBytes(24).toString('base64url');
const strings = (record: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((record ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));

export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<TestOAuthServer> {
  let ttl = options.accessTokenTtlSeconds ?? 3600;
  let rejectAll = false;
  let echoRefused = false;
  const rotate = options.rotateRefreshTokens ?? true;
  const issParameter = options.issParameter ?? true;
  let tokenFailures = options.tokenFailures ?? 0;
  let tokenDelayMs = 0;

  // Routes are added after listening because every URL below depends on the port.
  const app = (express as () => App)();
  const http = await listen(app);
  const issuer = http.url;
  const mcpUrl = `${issuer}/mcp`;

  const counts = { authorize: 0, register: 0, authorizationCodeGrants: 0, refreshGrants: 0, mcpRequests: 0, rejectedTokens: 0 };
  const authorizeRequests: Array<Record<string, string>> = [];
  const tokenRequests: Array<Record<string, string>> = [];
  const registrations: Array<Record<string, unknown>> = [];
  const mcpAuthorizations: Array<string | undefined> = [];

  const clients = new Map<string, OAuthClientInformationFull>([
    [
      STATIC_CLIENT_ID,
      {
        client_id: STATIC_CLIENT_ID,
        client_name: 'static test client',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  ]);
  const codes = new Map<string, Grant & { challenge: string; redirectUri: string; expiresAt: number }>();
  const accessTokens = new Map<string, Grant & { expiresAt: number }>();
  const refreshTokens = new Map<string, Grant>();

  const issue = (grant: Grant, refreshToken = opaque()): OAuthTokens => {
    const accessToken = opaque();
    accessTokens.set(accessToken, { ...grant, expiresAt: Date.now() + ttl * 1000 });
    refreshTokens.set(refreshToken, grant);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      ...(options.issueRefreshTokens === false ? {} : { refresh_token: refreshToken }),
      ...(grant.scopes.length ? { scope: grant.scopes.join(' ') } : {}),
    };
  };
  // RFC 8707: a grant stays bound to the resource it was authorized for.
  const checkResource = (requested: URL | undefined, granted: string | undefined) => {
    if (requested?.href !== granted) throw new InvalidTargetError(`resource ${requested?.href ?? '(none)'} does not match the authorized ${granted ?? '(none)'}`);
  };
  const liveCode = (clientId: string, code: string) => {
    const entry = codes.get(code);
    if (!entry || entry.clientId !== clientId || entry.expiresAt < Date.now()) throw new InvalidGrantError('unknown, used or expired authorization code');
    return entry;
  };

  const provider: OAuthServerProvider = {
    clientsStore: {
      getClient: (id) =>
        clients.get(id) ??
        (options.clientIdMetadataDocuments && id.startsWith('https://')
          ? { client_id: id, client_name: 'metadata document client', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }
          : undefined),
      registerClient: (metadata) => {
        // The SDK handler fills client_id in already; the fallback only satisfies the declared type.
        const client: OAuthClientInformationFull = { client_id: randomUUID(), ...metadata };
        clients.set(client.client_id, client);
        counts.register += 1;
        return client;
      },
    },
    // Auto-approves: no login page, straight back to the client with a code.
    async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Res) {
      if (params.resource && params.resource.href !== mcpUrl) throw new InvalidTargetError(`unknown resource ${params.resource.href}`);
      const code = opaque();
      codes.set(code, {
        clientId: client.client_id,
        resource: params.resource?.href,
        scopes: params.scopes ?? [],
        challenge: params.codeChallenge,
        redirectUri: params.redirectUri,
        expiresAt: Date.now() + 60_000,
      });
      counts.authorize += 1;
      const target = new URL(params.redirectUri);
      target.searchParams.set('code', code);
      if (params.state !== undefined) target.searchParams.set('state', params.state);
      res.redirect(302, target.href);
    },
    async challengeForAuthorizationCode(client, code) {
      return liveCode(client.client_id, code).challenge;
    },
    async exchangeAuthorizationCode(client, code, _verifier, redirectUri, resource) {
      const entry = liveCode(client.client_id, code);
      codes.delete(code); // single use, even when the checks below fail
      if (redirectUri !== undefined && redirectUri !== entry.redirectUri) throw new InvalidGrantError('redirect_uri differs from the authorization request');
      checkResource(resource, entry.resource);
      counts.authorizationCodeGrants += 1;
      return issue({ clientId: entry.clientId, resource: entry.resource, scopes: entry.scopes });
    },
    async exchangeRefreshToken(client, refreshToken, _scopes, resource) {
      const grant = refreshTokens.get(refreshToken);
      if (!grant || grant.clientId !== client.client_id) throw new InvalidGrantError('unknown, rotated or revoked refresh token');
      if (resource) checkResource(resource, grant.resource);
      if (rotate) refreshTokens.delete(refreshToken);
      counts.refreshGrants += 1;
      return issue(grant, rotate ? undefined : refreshToken);
    },
    async verifyAccessToken(token) {
      const entry = rejectAll ? undefined : accessTokens.get(token);
      const problem = !entry ? 'unknown or revoked token' : entry.expiresAt <= Date.now() ? 'token expired' : entry.resource !== mcpUrl ? 'token not issued for this resource' : undefined;
      if (!entry || problem) {
        counts.rejectedTokens += 1;
        throw new InvalidTokenError(problem ?? 'invalid token');
      }
      return { token, clientId: entry.clientId, scopes: entry.scopes, expiresAt: Math.floor(entry.expiresAt / 1000), resource: new URL(mcpUrl), extra: { subject: TEST_SUBJECT } };
    },
    async revokeToken(_client, { token }) {
      accessTokens.delete(token);
      refreshTokens.delete(token);
    },
  };

  // Our own discovery documents, ahead of the router's: the router writes the issuer as URL.href (with a
  // trailing slash), and these must name the issuer exactly as `issuer` and the `iss` parameter do.
  const asMetadata: Record<string, unknown> = { ...createOAuthMetadata({ provider, issuerUrl: new URL(issuer) }), issuer: options.metadataIssuer ?? issuer };
  if (options.advertisePkce === false) delete asMetadata.code_challenge_methods_supported;
  if (issParameter) asMetadata.authorization_response_iss_parameter_supported = true;
  if (options.clientIdMetadataDocuments) asMetadata.client_id_metadata_document_supported = true;
  Object.assign(asMetadata, options.metadataOverrides);
  app.get('/.well-known/oauth-authorization-server', (_req, res) => res.json(asMetadata));
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res) => res.json({ resource: mcpUrl, authorization_servers: [issuer] }));

  app.get('/authorize', (req, res, next) => {
    authorizeRequests.push(strings(req.query));
    // RFC 9207 puts iss on every authorization response, errors included, and the SDK's error redirects omit it.
    if (issParameter) {
      const redirect = res.redirect.bind(res);
      res.redirect = (status, url) => {
        const target = new URL(url);
        target.searchParams.set('iss', issuer);
        redirect(status, target.href);
      };
    }
    next();
  });
  // Parsed here to record it; the SDK's own parser then sees the body consumed and keeps req.body.
  app.post('/token', urlencoded({ extended: false }), async (req, res, next) => {
    tokenRequests.push(strings(req.body));
    if (tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
    const body = req.body as Record<string, string> | undefined;
    if (echoRefused && body?.grant_type === 'refresh_token') {
      res.status(400).json({ error: 'invalid_grant', error_description: `refresh token ${body.refresh_token} is revoked` });
      return;
    }
    if (tokenFailures > 0) {
      tokenFailures -= 1;
      res.status(503).json({ error: 'temporarily_unavailable', error_description: 'injected failure' });
      return;
    }
    next();
  });
  app.post('/register', json(), (req, _res, next) => {
    registrations.push({ ...(req.body as Record<string, unknown>) });
    next();
  });

  const noRateLimit = { rateLimit: false as const };
  app.use(
    mcpAuthRouter({
      provider,
      issuerUrl: new URL(issuer), // http is fine: the SDK exempts 127.0.0.1 and localhost from its https rule
      resourceServerUrl: new URL(mcpUrl),
      authorizationOptions: noRateLimit,
      tokenOptions: noRateLimit,
      clientRegistrationOptions: noRateLimit,
      revocationOptions: noRateLimit,
    }),
  );

  const serveMcp: Handler = async (req, res) => {
    // Stateless: no sessions, so no standalone SSE stream to offer on GET.
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = new McpServer({ name: 'oauth-test-mcp', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Names the subject of the access token used' }, async (extra) => ({
      content: [{ type: 'text', text: `whoami: ${String(extra.authInfo?.extra?.subject)}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };
  app.all(
    '/mcp',
    ((req, _res, next) => {
      counts.mcpRequests += 1;
      mcpAuthorizations.push(req.headers.authorization);
      next();
    }) as Handler,
    requireBearerAuth({ verifier: provider, resourceMetadataUrl: `${issuer}/.well-known/oauth-protected-resource/mcp` }),
    json(),
    serveMcp,
  );

  // The same server on the 2024-11-05 HTTP+SSE pair (GET /mcp/sse, POST /mcp/messages), behind the same bearer check.
  const legacySessions = new Map<string, SSEServerTransport>();
  const bearer = requireBearerAuth({ verifier: provider, resourceMetadataUrl: `${issuer}/.well-known/oauth-protected-resource/mcp` });
  app.get('/mcp/sse', bearer, (async (_req, res) => {
    const transport = new SSEServerTransport('/mcp/messages', res);
    legacySessions.set(transport.sessionId, transport);
    res.on('close', () => legacySessions.delete(transport.sessionId));
    const server = new McpServer({ name: 'oauth-test-mcp-legacy', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Names the subject of the access token used' }, async (extra) => ({
      content: [{ type: 'text', text: `whoami: ${String(extra.authInfo?.extra?.subject)}` }],
    }));
    await server.connect(transport);
  }) as Handler);
  app.post('/mcp/messages', bearer, json(), (async (req, res) => {
    const transport = legacySessions.get(String(new URL(req.url ?? '/', issuer).searchParams.get('sessionId')));
    if (!transport) return void res.writeHead(404).end('no such session');
    await transport.handlePostMessage(req, res, req.body);
  }) as Handler);

  return {
    issuer,
    mcpUrl,
    legacySseUrl: `${issuer}/mcp/sse`,
    counts,
    authorizeRequests,
    tokenRequests,
    registrations,
    mcpAuthorizations,
    revokeRefreshTokens: () => refreshTokens.clear(),
    revokeAccessTokens: () => accessTokens.clear(),
    failTokenRequests: (n) => {
      tokenFailures = n;
    },
    rejectAllTokens: (on) => {
      rejectAll = on;
    },
    echoRefusedRefreshTokens: (on) => {
      echoRefused = on;
    },
    setAccessTokenTtl: (seconds) => {
      ttl = seconds;
    },
    setTokenDelay: (ms) => {
      tokenDelayMs = ms;
    },
    close: () => http.close(),
  };
}
