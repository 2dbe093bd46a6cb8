// `sigv4`: AWS Signature Version 4 with @smithy/signature-v4, for MCP servers
// on Bedrock AgentCore, behind API Gateway or on Lambda function URLs. The
// body's SHA-256 is part of the canonical request; credentials come from the
// AWS chain or stored keys (aws-credentials.ts) and an upstream 403
// `ExpiredToken` reads them again once.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { AppError } from '../errors.js';
import { AwsCredentialCache, type AwsCredentialProvider } from './aws-credentials.js';
import { isAwsRegion, scopeFromHost } from './aws-host.js';
import type { SignInput, SignedHeaders, Signer } from './scheme.js';

export interface SigV4Options {
  server: string;
  /** The upstream URL: service and region are read from its host name when not set. */
  url: URL;
  service?: string;
  region?: string;
  /** The profile named in config (else AWS_PROFILE); only for hints and state. */
  profile?: string;
  provider: AwsCredentialProvider;
  /** false for stored keys (nothing new can be read after an ExpiredToken). */
  renewable: boolean;
  /** AWS_REGION / AWS_DEFAULT_REGION, the last place a region comes from. */
  env: NodeJS.ProcessEnv;
  now?: () => number;
  onCredentials?: (secrets: string[]) => void;
}

export const SIGV4_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'] as const;

/** Headers not signed: they may change between the proxy and AWS, or mean nothing to it. */
const UNSIGNED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection', 'x-request-id']);

/** What a 403 body or x-amzn-ErrorType says when temporary credentials lapsed. */
const EXPIRED = /ExpiredToken|security token included in the request is expired|token has expired/i;

export function resolveScope(options: Pick<SigV4Options, 'server' | 'url' | 'service' | 'region' | 'env'>): { service: string; region: string } {
  const inferred = scopeFromHost(options.url.hostname);
  const service = options.service ?? inferred.service;
  const region = options.region ?? inferred.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION;
  const field = `servers.${options.server}.auth`;
  if (!service) {
    throw new AppError('SIGV4_NO_SERVICE', `${field}.service: ${options.url.hostname} is not an AWS host name the signing service can be read from`, {
      hint: `Set ${field}.service to the signing name, e.g. "bedrock-agentcore", "execute-api" or "lambda".`,
    });
  }
  if (!region || !isAwsRegion(region)) {
    throw new AppError('SIGV4_NO_REGION', `${field}.region: ${region ? `"${region}" is not an AWS region` : `no region in ${options.url.hostname} and AWS_REGION is not set`}`, {
      hint: `Set ${field}.region, e.g. "us-east-1".`,
    });
  }
  return { service, region };
}

export function createSigV4Signer(options: SigV4Options): Signer {
  const { service, region } = resolveScope(options);
  const now = options.now ?? Date.now;
  const cache = new AwsCredentialCache({
    server: options.server,
    provider: options.provider,
    profile: options.profile,
    renewable: options.renewable,
    now,
    ...(options.onCredentials ? { onCredentials: (c) => options.onCredentials?.([c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : [])]) } : {}),
  });
  // applyChecksum off: the body hash is in the canonical request either way; the
  // x-amz-content-sha256 header is S3's, and the AWS test suite signs without it.
  const signer = new SignatureV4({ service, region, credentials: () => cache.get(), sha256: Hash.bind(null, 'sha256'), applyChecksum: false, uriEscapePath: true });

  async function sign({ method, url, headers, body }: SignInput): Promise<SignedHeaders> {
    const signed = await signer.sign(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: queryOf(url),
        headers: signable(headers, url),
        body: body ?? Buffer.alloc(0),
      },
      { signingDate: new Date(now()) },
    );
    const out: SignedHeaders = {};
    for (const name of SIGV4_HEADERS) {
      const value = signed.headers[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  return {
    type: 'sigv4',
    needsBody: true,
    headerNames: SIGV4_HEADERS,
    sign,
    prepare: () => cache.prepare(),
    refreshAfterForbidden: (answerHeaders, body) => {
      const kind = answerHeaders['x-amzn-errortype'];
      return EXPIRED.test(`${Array.isArray(kind) ? kind.join(',') : (kind ?? '')} ${body}`) ? cache.reread() : null;
    },
    state: () => ({ ...cache.state(), details: { ...cache.state().details, service, region } }),
  };
}

/** The headers to sign: all the request carries but hop-by-hop ones and the proxy's request id, host included. */
function signable(headers: SignInput['headers'], url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (value === undefined || UNSIGNED.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(',') : value;
  }
  out.host ??= url.host;
  return out;
}

/** The query as @smithy/signature-v4 takes it: decoded names to a value or the list of values. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const held = query[name];
    query[name] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
  }
  return query;
}
