// Schema problems as plain sentences: what the field needs and how to write
// it, with the real server name where a hint names one, instead of zod's
// "Invalid input: expected number, received string".
import type { z } from 'zod';

/** What to write for a required field that is missing, by its last path segment. */
const REQUIRED: Record<string, (server: string) => string> = {
  url: () => 'the upstream MCP endpoint, e.g. "https://mcp.example.com/mcp" (or, for a local stdio server, "command" and "args" instead)',
  auth: () => 'an auth block, e.g. { "type": "hmac", "keyId": "...", "secret": "keychain:NAME" } or { "type": "none" }',
  type: () => 'one of "hmac", "bearer", "headers", "act-as", "oauth", "none"',
  keyId: () => 'the API key id the gateway issued',
  secret: (server) => `a reference to the HMAC secret, e.g. "keychain:${server}" (then \`mcp-auth-proxy login ${server}\` stores it)`,
  token: (server) => `a reference to the token, e.g. "keychain:${server}" (then \`mcp-auth-proxy login ${server}\` stores it)`,
  user: () => 'the email of the user to act as, e.g. "me@acme.com"',
  headers: () => 'header names mapped to secret references, e.g. { "X-Api-Key": "keychain:NAME" }',
};

const TYPE_TEXT: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  string: 'text in quotes',
  object: 'an object ({ ... })',
  record: 'an object ({ ... })',
  array: 'a list ([ ... ])',
};

/** The message for one issue at `path`, where the merged config holds `value` (undefined: missing). */
export function plainMessage(issue: z.core.$ZodIssue, path: string[], value: unknown): string {
  const missing = value === undefined;
  const server = path[0] === 'servers' && path[1] ? path[1] : 'NAME';
  const field = path.at(-1) ?? '';
  // A missing field checked by a refinement of ours already says what to write (e.g. name the access proxy).
  const ownRefinement = issue.code === 'custom' && !/^Invalid\b/.test(issue.message);
  if (missing && !ownRefinement && (issue.code === 'invalid_type' || issue.code === 'invalid_format' || issue.code === 'invalid_union' || issue.code === 'custom')) {
    const what = path[0] === 'identity' && field === 'type' ? 'one of "apiKey", "jwt", "proxyAssertion", "trustedHeader"' : REQUIRED[field]?.(server);
    return what ? `is required: ${what}` : 'is required';
  }
  // The schema's own messages already say what to write; zod's defaults ("Invalid input: ...") do not.
  if (!/^(Invalid|Too (small|big))\b/.test(issue.message)) return withServer(issue.message, server);
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_TEXT[issue.expected] ?? issue.expected}, not ${describe(value)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(', ').replace(/, ([^,]*)$/, ' or $1')}`;
    case 'too_small':
      return issue.origin === 'number' ? `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}` : withServer(issue.message, server);
    case 'too_big':
      return issue.origin === 'number' ? `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}` : withServer(issue.message, server);
    default:
      return withServer(issue.message, server);
  }
}

/** Hints written for any server ("login <server>", "keychain:NAME") name the one at fault. */
function withServer(message: string, server: string): string {
  if (server === 'NAME') return message;
  return message.replaceAll('<server>', server).replaceAll('"keychain:NAME"', `"keychain:${server}"`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'text';
  return typeof value === 'object' ? 'an object' : typeof value;
}
