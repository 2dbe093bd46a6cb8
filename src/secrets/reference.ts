// Secret references: config never holds a secret, only where to find one.
// `keychain:ACCOUNT` (service mcp-auth-proxy), `env:VAR`, `file:PATH`.

export type SecretReference =
  | { kind: 'keychain'; account: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string };

export const SECRET_REFERENCE_HINT =
  'write "keychain:NAME" (stored by `mcp-auth-proxy login <server>`), "env:VAR_NAME" or "file:/path/to/0600-file"';

const PATTERN = /^(keychain|env|file):(.+)$/;

export function parseSecretReference(value: string): SecretReference | undefined {
  const match = PATTERN.exec(value);
  if (!match) return undefined;
  const rest = match[2] as string;
  switch (match[1]) {
    case 'keychain':
      return { kind: 'keychain', account: rest };
    case 'env':
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(rest) ? { kind: 'env', name: rest } : undefined;
    default:
      return { kind: 'file', path: rest };
  }
}

export function isSecretReference(value: string): boolean {
  return parseSecretReference(value) !== undefined;
}
