// OAuth scope strings (space-separated, RFC 6749 §3.3): the union a step-up
// asks for, and reading the scope an upstream demands in a 403
// insufficient_scope challenge (RFC 6750 §3.1).

/** Every scope of every argument, once, in first-seen order; undefined when there are none. */
export function unionScope(...scopes: Array<string | undefined>): string | undefined {
  const all = new Set<string>();
  for (const scope of scopes) for (const item of scope?.split(/\s+/) ?? []) if (item) all.add(item);
  return all.size > 0 ? [...all].join(' ') : undefined;
}

/** The scope a `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` challenge requires, else undefined. */
export function insufficientScope(challenge: string | undefined): string | undefined {
  if (!challenge || !/^\s*bearer\b/i.test(challenge)) return undefined;
  const params = new Map<string, string>();
  for (const match of challenge.matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params.set((match[1] as string).toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string));
  }
  if (params.get('error') !== 'insufficient_scope') return undefined;
  return params.get('scope')?.trim() || undefined;
}
