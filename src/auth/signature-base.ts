// RFC 9421 signature bases: each covered component as `"name": value` on its
// own line, then `"@signature-params": (...);params`. Kept apart from the
// signer so the RFC's Appendix B examples (a response's @status included)
// can be rebuilt byte for byte.

export interface HttpMessage {
  method: string;
  url: URL;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Set for a response (the RFC's ecdsa example signs one). */
  status?: number;
}

export interface SignatureParams {
  created?: number;
  expires?: number;
  keyid?: string;
  nonce?: string;
  tag?: string;
  alg?: string;
}

/** The parameters in the order the RFC's examples write them. */
const PARAM_ORDER = ['created', 'expires', 'keyid', 'nonce', 'alg', 'tag'] as const;

/** The inner list and parameters as Signature-Input carries them, e.g. `("@method" "content-digest");created=1618884473;keyid="k"`. */
export function serializeSignatureParams(components: readonly string[], params: SignatureParams): string {
  let out = `(${components.map(quoteComponent).join(' ')})`;
  for (const name of PARAM_ORDER) {
    const value = params[name];
    if (value === undefined) continue;
    out += typeof value === 'number' ? `;${name}=${value}` : `;${name}="${value}"`;
  }
  return out;
}

/** `@query-param;name="x"` → `"@query-param";name="x"` (the identifier is the quoted name plus its parameters). */
function quoteComponent(component: string): string {
  const semi = component.indexOf(';');
  return semi < 0 ? `"${component}"` : `"${component.slice(0, semi)}"${component.slice(semi)}`;
}

/** The signature base: every line but the last ends in LF; the last names the parameters. */
export function signatureBase(components: readonly string[], message: HttpMessage, signatureParams: string): string {
  let base = '';
  for (const component of components) base += `${quoteComponent(component)}: ${componentValue(component, message)}\n`;
  return `${base}"@signature-params": ${signatureParams}`;
}

export function componentValue(component: string, message: HttpMessage): string {
  const { url } = message;
  switch (component) {
    case '@method':
      return message.method.toUpperCase();
    case '@target-uri':
      return `${url.protocol}//${url.host}${url.pathname}${url.search}`;
    case '@authority':
      return url.host.toLowerCase();
    case '@scheme':
      return url.protocol.slice(0, -1).toLowerCase();
    case '@request-target':
      return `${url.pathname}${url.search}`;
    case '@path':
      return url.pathname || '/';
    case '@query':
      return url.search || '?';
    case '@status':
      if (message.status === undefined) throw new Error('@status is a response component');
      return String(message.status);
  }
  if (component.startsWith('@query-param;name="')) {
    const name = component.slice('@query-param;name="'.length, -1);
    const value = url.searchParams.get(name);
    if (value === null) throw new Error(`the query has no parameter ${name}`);
    return encodeURIComponent(value);
  }
  const value = fieldValue(message.headers, component);
  if (value === undefined) throw new Error(`the message has no ${component} header`);
  return value;
}

/** A header field's value as RFC 9421 §2.1 covers it: each line trimmed, several lines joined by ", ". */
export function fieldValue(headers: HttpMessage['headers'], name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const key in headers) {
      if (key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map((v) => v.trim()).join(', ') : value.trim();
}
