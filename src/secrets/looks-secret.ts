// Telling a credential from an ordinary setting by its name and its shape:
// `import` uses it to find the tokens in an agent's config (liberally: a
// setting moved to the keychain by mistake still works), and the config
// check uses the narrow form to refuse a token written into a command
// server's `env` instead of a reference.

/** Name parts that say "credential" (names are split on `_`, `-`, `.` and camelCase). */
const SECRET_PARTS = new Set(['TOKEN', 'TOKENS', 'SECRET', 'SECRETS', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'COOKIE', 'PAT', 'AUTHORIZATION']);
/** `KEY` is a credential after these (API_KEY, ACCESS_KEY, PRIVATE_KEY...), not on its own (SORT_KEY). */
const KEY_QUALIFIERS = new Set(['API', 'ACCESS', 'PRIVATE', 'SECRET', 'SIGNING', 'CLIENT', 'AUTH', 'SERVICE', 'ACCOUNT', 'LICENSE', 'ENCRYPTION', 'MASTER']);
/** A last part that makes the value a place or a setting about the credential, not the credential itself. */
const NOT_THE_VALUE = new Set(['FILE', 'PATH', 'DIR', 'URL', 'URI', 'ENDPOINT', 'HOST', 'PORT', 'TYPE', 'MODE', 'NAME', 'HEADER', 'ID', 'LENGTH', 'TTL', 'EXPIRY', 'EXPIRES', 'SCOPE', 'SCOPES', 'PREFIX', 'FORMAT']);

/** Well-known token formats (GitHub, GitLab, OpenAI/Anthropic, Stripe, Slack, AWS, Google, Linear, Notion, Shopify, JWTs). */
const TOKEN_SHAPES = [
  /^(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}$/,
  /^github_pat_[A-Za-z0-9_]{20,}$/,
  /^glpat-[A-Za-z0-9_-]{16,}$/,
  /^sk-[A-Za-z0-9_-]{16,}$/,
  /^(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}$/,
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/,
  /^xapp-[A-Za-z0-9-]{10,}$/,
  /^(?:AKIA|ASIA)[0-9A-Z]{16}$/,
  /^AIza[0-9A-Za-z_-]{30,}$/,
  /^ya29\.[0-9A-Za-z_-]{20,}$/,
  /^lin_(?:api|oauth)_[A-Za-z0-9]{20,}$/,
  /^(?:ntn|secret)_[A-Za-z0-9]{30,}$/,
  /^shp(?:at|ss|ca)_[a-fA-F0-9]{20,}$/,
  /^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/,
];

/** The parts of a variable or header name, upper-cased: `githubApiKey` and `GITHUB-API_KEY` both give GITHUB, API, KEY. */
export function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_.\-\s]+/)
    .filter(Boolean)
    .map((part) => part.toUpperCase());
}

/** Whether a variable (or header) of this name holds a credential. */
export function isSecretName(name: string): boolean {
  const parts = nameParts(name);
  const last = parts.at(-1);
  if (last === undefined || NOT_THE_VALUE.has(last)) return false;
  return parts.some((part, i) => SECRET_PARTS.has(part) || (part === 'KEY' && i > 0 && KEY_QUALIFIERS.has(parts[i - 1] as string)) || part === 'APIKEY');
}

/** Whether the value itself has the shape of a credential: a known token format, an HTTP credential, or a URL with a password. */
export function isSecretValue(value: string): boolean {
  const text = value.trim();
  if (TOKEN_SHAPES.some((shape) => shape.test(text))) return true;
  if (/^(?:Bearer|Basic|Token|Bot)\s+\S{8,}$/i.test(text)) return true;
  return urlPassword(text) !== undefined;
}

/** The password of a URL that carries one (`postgres://user:pw@host/db`), as written in it. */
export function urlPassword(text: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:([^/@\s]+)@/i.exec(text);
  return match?.[1];
}

/**
 * A literal that should have been a reference, for the config check: a value
 * of a credential's shape, or any value worth the name (eight characters or
 * more, no spaces, not a path or a number) under a credential's name.
 */
export function isLiteralSecret(name: string, value: string): boolean {
  if (isSecretValue(value)) return true;
  if (!isSecretName(name)) return false;
  return value.length >= 8 && !/\s/.test(value) && !/^[~./\\]/.test(value) && !/^\d+$/.test(value) && !/^(?:true|false)$/i.test(value);
}
