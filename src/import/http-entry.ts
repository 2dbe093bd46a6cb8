// An HTTP entry of an agent's config as an HTTP server of the proxy: an
// Authorization or API-key header becomes the matching scheme (bearer, or
// headers) with its value in the keychain; a token in the URL (its password,
// a path segment, a query parameter) becomes a ${keychain:...} reference in
// the server's URL; other headers stay as static headers.
import { isSecretName, isSecretValue } from '../secrets/looks-secret.js';
import type { AgentEntry, PropertyMapping } from './agent-file.js';
import { MASK, accountFor, type FoundSecret, type ImportedEntry } from './found.js';

/** Header names that carry credentials whatever the shape of their value. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'apikey', 'x-auth-token', 'x-access-token', 'private-token', 'cookie', 'proxy-authorization']);
/** Query parameter names that carry credentials. */
const CREDENTIAL_PARAMS = new Set(['key', 'apikey', 'api_key', 'token', 'access_token', 'auth', 'secret', 'password', 'sig', 'signature', 'code']);
/** A path segment that reads as a token: long, of token characters, letters and digits mixed. */
const TOKEN_SEGMENT = /^(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}$/;

export function httpEntry(entry: AgentEntry, name: string, mapping: PropertyMapping, url: string): ImportedEntry {
  const value = entry.value;
  const secrets: FoundSecret[] = [];
  const notes: string[] = [];
  const base = { entry, name, kind: 'http' as const, notes };
  const secret = (where: string, found: string, what: string) => {
    const account = accountFor(name, what);
    secrets.push({ account, value: found, where });
    return account;
  };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ...base, shown: url, secrets, holdsSecret: false, skip: 'its URL does not parse' };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return { ...base, shown: url, secrets, holdsSecret: false, skip: 'its URL is not http(s)' };
  let written = url;
  const headers: Record<string, string> = {};
  const secretHeaders: Record<string, string> = {};
  if (target.password) {
    const basic = Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64');
    secretHeaders.Authorization = `keychain:${secret('the user and password in the URL', `Basic ${basic}`, 'authorization')}`;
    written = written.replace(`${target.username}:${target.password}@`, '');
  }
  const segments = target.pathname.split('/');
  segments.forEach((segment, i) => {
    if (!(TOKEN_SEGMENT.test(segment) || isSecretValue(decodeURIComponent(segment)))) return;
    const account = secret('URL path', decodeURIComponent(segment), `url path ${i}`);
    written = written.replace(`/${segment}`, `/\${keychain:${account}}`);
  });
  for (const pair of target.search.slice(1).split('&')) {
    const [rawKey = '', rawValue] = pair.split('=');
    if (rawValue === undefined || rawValue === '') continue;
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const decoded = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    if (!(CREDENTIAL_PARAMS.has(key.toLowerCase()) || isSecretName(key) || isSecretValue(decoded))) continue;
    const account = secret(`URL query ${key}`, decoded, `url ${key}`);
    written = written.replace(`${rawKey}=${rawValue}`, `${rawKey}=\${keychain:${account}}`);
  }
  const rawHeaders = value[mapping.headersProperty ?? 'headers'] ?? value.headers ?? value.http_headers;
  let skip: string | undefined;
  for (const [header, raw] of Object.entries(typeof rawHeaders === 'object' && rawHeaders !== null ? (rawHeaders as Record<string, unknown>) : {})) {
    const text = String(raw);
    const expansion = /^(Bearer\s+)?\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}$/i.exec(text);
    if (/\$\{input:/.test(text)) skip ??= `header ${header} comes from an input only the agent can ask for`;
    else if (expansion && !expansion[1]) secretHeaders[header] = `env:${expansion[2]}`;
    else if (text.includes('${')) skip ??= `header ${header} uses an expansion the proxy cannot repeat`;
    else if (CREDENTIAL_HEADERS.has(header.toLowerCase()) || isSecretName(header) || isSecretValue(text)) secretHeaders[header] = `keychain:${secret(`header ${header}`, text, header)}`;
    else headers[header] = text;
  }
  // Codex names environment variables for the token and headers instead of writing them.
  if (typeof value.bearer_token_env_var === 'string') notes.push(`the bearer token is read from $${value.bearer_token_env_var} where the proxy runs`);
  const auth = authOf(secretHeaders, secrets, typeof value.bearer_token_env_var === 'string' ? value.bearer_token_env_var : undefined);
  const type = String(value[mapping.typeProperty ?? 'type'] ?? value.type ?? '');
  const server = { url: written, ...(type === 'sse' ? { transport: 'sse' } : {}), ...(Object.keys(headers).length ? { headers } : {}), auth };
  const shown = written.replace(/\$\{keychain:[^}]*\}/g, MASK);
  const holdsSecret = secrets.length > 0;
  if (!skip && !holdsSecret) skip = 'no secret in it';
  return { ...base, shown, secrets, holdsSecret, ...(skip ? { skip } : { server }) };
}

/** One "Authorization: Bearer" credential is the bearer scheme; anything else, the headers scheme. */
function authOf(secretHeaders: Record<string, string>, secrets: FoundSecret[], bearerVariable: string | undefined): Record<string, unknown> {
  const names = Object.keys(secretHeaders);
  if (bearerVariable && names.length === 0) return { type: 'bearer', token: `env:${bearerVariable}` };
  if (names.length === 0) return { type: 'none' };
  const only = names[0] as string;
  const found = secrets.find((s) => secretHeaders[only] === `keychain:${s.account}`);
  if (names.length === 1 && only.toLowerCase() === 'authorization' && found && /^Bearer\s+\S/i.test(found.value)) {
    found.value = found.value.replace(/^Bearer\s+/i, '');
    return { type: 'bearer', token: secretHeaders[only] };
  }
  return { type: 'headers', headers: secretHeaders };
}
