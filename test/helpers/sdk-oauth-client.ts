// An agent that does MCP authorization by itself: the SDK Client with the
// SDK's OAuth flow (it follows the 401 to the resource metadata, then to the
// authorization server, registers, and runs PKCE). The "browser" follows the
// authorization redirects with cookies and hands the code back, as the
// redirect to a desktop agent's callback would.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { followToRedirect } from './browser.js';
import type { TestIdp, TestUser } from './oidc-idp.js';

const REDIRECT = 'http://127.0.0.1:1/callback';

export class SignInProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  pendingCode: string | undefined;
  /** Authorization URLs the agent was sent to, in order. */
  authorizations: URL[] = [];

  constructor(
    private readonly idp: TestIdp,
    private readonly user: TestUser,
  ) {}

  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'test agent', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    this.idp.signInAs(this.user);
    this.pendingCode = (await followToRedirect(url.href, REDIRECT)).searchParams.get('code') ?? undefined;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** Connects as `user`, signing in at the identity provider the proxy's 401 points to. */
export async function connectSignedIn(url: string, idp: TestIdp, user: TestUser): Promise<{ client: Client; provider: SignInProvider }> {
  const provider = new SignInProvider(idp, user);
  for (let attempt = 0; attempt < 2; attempt++) {
    const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    try {
      await client.connect(transport);
      return { client, provider };
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || !provider.pendingCode) throw error;
      const code = provider.pendingCode;
      provider.pendingCode = undefined;
      await transport.finishAuth(code);
    }
  }
  throw new Error('could not connect after signing in');
}
