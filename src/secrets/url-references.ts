// Secrets inside an upstream URL: some hosted MCP servers take their key in
// the path (`/s/<key>/mcp`) or the query (`?api_key=...`). The config writes
// a reference there instead, `${keychain:NAME}` (or `${env:VAR}`,
// `${file:PATH}`), after the host; the proxy fills it in when it builds the
// server, and the value is redacted wherever the URL is shown.
import { isSecretReference } from './reference.js';

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** The secret references written in `url`, in order. */
export function urlReferences(url: string): string[] {
  return [...url.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

/** Why `url` cannot hold its placeholders, or undefined when it can (they are references, after the host). */
export function urlPlaceholderProblem(url: string): string | undefined {
  const first = url.indexOf('${');
  if (first === -1) return undefined;
  for (const reference of urlReferences(url)) {
    if (!isSecretReference(reference)) return `"\${${reference}}" is not a secret reference; write \${keychain:NAME}, \${env:VAR} or \${file:PATH}`;
  }
  const authorityEnd = url.indexOf('/', url.indexOf('//') + 2);
  if (authorityEnd === -1 || first < authorityEnd) return 'a secret reference may stand in the path or query only, not in the scheme, host or port';
  return undefined;
}

/** The URL with every placeholder replaced by a stand-in, to check the rest of it. */
export function withoutPlaceholders(url: string): string {
  return url.replace(PLACEHOLDER, 'x');
}

/**
 * The URL with each reference's value in its place, percent-encoded but for
 * unreserved characters (a value is one path segment or one query value: a
 * "/", "&" or "=" in it must not split it); a value written encoded stays so.
 */
export async function fillUrl(url: string, resolve: (reference: string) => Promise<string>): Promise<string> {
  let out = '';
  let last = 0;
  for (const match of url.matchAll(PLACEHOLDER)) {
    const value = await resolve(match[1] as string);
    out += url.slice(last, match.index) + value.replace(/[^A-Za-z0-9\-._~%]/g, (c) => encodeURIComponent(c));
    last = (match.index as number) + match[0].length;
  }
  return out + url.slice(last);
}
