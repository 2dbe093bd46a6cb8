// A real OpenID provider (oidc-provider, a certified implementation) as the
// company identity provider of team-mode tests, on 127.0.0.1:0: dynamic
// client registration, PKCE, resource indicators (RFC 8707) issuing JWT
// access tokens whose audience is the resource, with the user's email and
// groups in them. Sign-ins are approved at once for `as` (the user a test
// picks); no page is shown, the browser just follows redirects.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
// @ts-ignore -- oidc-provider ships no type declarations; the few calls made here are typed below.
import Provider from 'oidc-provider';

export interface TestUser {
  email: string;
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  /** Who the next sign-in signs in as. */
  signInAs(user: TestUser): void;
  /** Access tokens issued, in order (for tests that replay or inspect one). */
  issued: string[];
  /** Signs claims with the provider's own key, as it would (to make expired or wrong-audience tokens on purpose). */
  sign(claims: Record<string, unknown>): Promise<string>;
  /** The provider's public key, as it publishes it. */
  publicJwk: Record<string, unknown>;
  close(): Promise<void>;
}

interface OidcProvider {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ prompt: { name: string }; params: Record<string, unknown>; session?: { accountId?: string }; grantId?: string }>;
  interactionFinished(req: http.IncomingMessage, res: http.ServerResponse, result: object, options?: object): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; addResourceScope(resource: string, scope: string): void; save(): Promise<string> };
  on(event: string, listener: (...args: unknown[]) => void): void;
}

const SCOPES = 'openid email offline_access';

export async function startTestIdp(): Promise<TestIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-idp-es256', alg: 'ES256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-idp-es256', alg: 'ES256', use: 'sig' };
  // ID tokens default to RS256 for clients that do not say: the provider needs an RSA key for those.
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const rsaJwk = { ...(await exportJWK(rsa.privateKey)), kid: 'test-idp-rs256', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestUser>();
  let current: TestUser = { email: 'nobody@acme.example' };
  const issued: string[] = [];
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    jwks: { keys: [jwk, rsaJwk] },
    cookies: { keys: ['test-idp-cookie-key-1'] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => ({
          scope: 'mcp',
          audience: resource,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    pkce: { required: () => true },
    scopes: SCOPES.split(' '),
    claims: { openid: ['sub'], email: ['email'] },
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ sub: id, email: accounts.get(id)?.email }) };
    },
    // The user's email and groups ride in the access token, where the proxy reads them.
    async extraTokenClaims(_ctx: unknown, token: { accountId?: string }) {
      const user = token.accountId ? accounts.get(token.accountId) : undefined;
      return user ? { email: user.email, groups: user.groups ?? [] } : undefined;
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600, RefreshToken: 86400 },
  }) as unknown as OidcProvider;
  provider.on('access_token.issued', (token: unknown) => issued.push(String((token as { jti?: string }).jti ?? '')));

  const handle = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (!match) return handle(req, res);
    void approve(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });

  /** Signs `current` in and grants what the client asked for: the login and consent prompts, answered at once. */
  async function approve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      const accountId = current.email.replace(/[^a-z0-9]/gi, '-');
      accounts.set(accountId, current);
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = details.session?.accountId as string;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid').split(' ').filter((s) => SCOPES.includes(s)).join(' ') || 'openid');
    const resources = details.params.resource;
    for (const resource of Array.isArray(resources) ? resources : resources ? [resources] : []) grant.addResourceScope(String(resource), 'mcp');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    issued,
    signInAs: (user) => {
      current = user;
    },
    publicJwk,
    sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'test-idp-es256', typ: 'at+jwt' }).setIssuer(issuer).sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
