// The 2026-07-28 request metadata headers the stdio bridge adds, as an HTTP
// client of that era must: MCP-Protocol-Version from the body's _meta,
// Mcp-Method, Mcp-Name (tools/call, resources/read, prompts/get) and
// Mcp-Param-{Name} for tool arguments annotated with x-mcp-header, values
// Base64-sentinel encoded when not plain header-safe ASCII. Tools whose
// annotations break the spec's rules are dropped from tools/list.

export const VERSION_META = 'io.modelcontextprotocol/protocolVersion';
/** The first protocol revision with per-request metadata headers. */
export const MODERN_VERSION = '2026-07-28';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NAMED_METHODS: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** A mirrored header: property path within the arguments, and the header's name part. */
interface ParamHeader {
  path: string[];
  name: string;
}

interface RpcMessage {
  id?: unknown;
  method?: string;
  params?: { _meta?: Record<string, unknown>; name?: unknown; uri?: unknown; arguments?: unknown };
  result?: { tools?: Array<{ name?: unknown; inputSchema?: unknown }> };
}

export class ModernHeaders {
  private readonly paramHeaders = new Map<string, ParamHeader[]>();

  /** Headers for one outgoing message body (a single JSON-RPC message; batches get none). */
  headersFor(body: unknown): Record<string, string> {
    const message = body as RpcMessage;
    if (!message || typeof message !== 'object' || Array.isArray(message) || typeof message.method !== 'string') return {};
    const version = message.params?._meta?.[VERSION_META];
    if (typeof version !== 'string') return {};
    const headers: Record<string, string> = { 'mcp-protocol-version': version };
    if (version < MODERN_VERSION) return headers;
    headers['mcp-method'] = message.method;
    const field = NAMED_METHODS[message.method];
    const named = field ? message.params?.[field] : undefined;
    if (typeof named === 'string') headers['mcp-name'] = encodeHeaderValue(named);
    if (message.method === 'tools/call' && typeof named === 'string') {
      for (const param of this.paramHeaders.get(named) ?? []) {
        const value = valueAt(message.params?.arguments, param.path);
        if (value !== undefined) headers[`mcp-param-${param.name.toLowerCase()}`] = encodeHeaderValue(value);
      }
    }
    return headers;
  }

  /**
   * Looks at a message from the server: a tools/list result teaches which
   * arguments to mirror, and loses the tools whose annotations are invalid.
   * Returns the message to pass on (the same object when nothing changed).
   */
  observe<T>(message: T, onInvalid: (tool: string, reason: string) => void): T {
    const tools = (message as RpcMessage).result?.tools;
    if (!Array.isArray(tools)) return message;
    const kept = tools.filter((tool) => {
      if (typeof tool?.name !== 'string') return true;
      const found = annotations(tool.inputSchema);
      if (typeof found === 'string') {
        onInvalid(tool.name, found);
        this.paramHeaders.delete(tool.name);
        return false;
      }
      if (found.length) this.paramHeaders.set(tool.name, found);
      else this.paramHeaders.delete(tool.name);
      return true;
    });
    if (kept.length === tools.length) return message;
    const result = (message as RpcMessage).result as object;
    return { ...message, result: { ...result, tools: kept } };
  }
}

/** RFC 9110-safe values as they are; anything else (and anything that looks encoded) as =?base64?...?=. */
export function encodeHeaderValue(value: string | number | boolean): string {
  const text = String(value);
  const safe = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/.test(text) && !(text.startsWith('=?base64?') && text.endsWith('?='));
  return safe ? text : `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** The x-mcp-header annotations of a schema, or why the tool must be rejected. */
function annotations(schema: unknown): ParamHeader[] | string {
  const found: ParamHeader[] = [];
  const reachable = collect(schema, [], found);
  if (typeof reachable === 'string') return reachable;
  if (countAnywhere(schema) !== found.length) return 'x-mcp-header appears outside a chain of "properties"';
  const names = new Set<string>();
  for (const { name } of found) {
    if (!TOKEN.test(name)) return `x-mcp-header "${name}" is not a valid header name token`;
    if (names.has(name.toLowerCase())) return `x-mcp-header "${name}" is not unique`;
    names.add(name.toLowerCase());
  }
  return found;
}

function collect(schema: unknown, path: string[], found: ParamHeader[]): string | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const node = schema as { properties?: Record<string, unknown>; type?: unknown; 'x-mcp-header'?: unknown };
  const header = node['x-mcp-header'];
  if (header !== undefined) {
    if (path.length === 0) return 'x-mcp-header on the schema root';
    if (typeof header !== 'string' || header === '') return `x-mcp-header at ${path.join('.')} is empty or not a string`;
    if (!primitive(node.type)) return `x-mcp-header at ${path.join('.')} is on a ${JSON.stringify(node.type)}, not a string, integer or boolean`;
    found.push({ path, name: header });
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const problem = collect(child, [...path, key], found);
    if (problem) return problem;
  }
  return undefined;
}

/** A string, integer or boolean type, alone or with "null" (an optional argument). */
function primitive(type: unknown): boolean {
  const types = Array.isArray(type) ? type.filter((t) => t !== 'null') : [type];
  return types.length === 1 && ['string', 'integer', 'boolean'].includes(types[0] as string);
}

/** Keywords whose values are data, not schemas: an "x-mcp-header" inside them is no annotation. */
const DATA_KEYWORDS = new Set(['const', 'default', 'enum', 'examples']);

/** Annotations anywhere in the schema (properties maps walked by value, so a property named x-mcp-header is no annotation). */
function countAnywhere(schema: unknown): number {
  if (!schema || typeof schema !== 'object') return 0;
  if (Array.isArray(schema)) return schema.reduce((sum: number, item) => sum + countAnywhere(item), 0);
  let count = 0;
  for (const [key, child] of Object.entries(schema)) {
    if (key === 'x-mcp-header') count += 1;
    else if (DATA_KEYWORDS.has(key)) continue;
    else if (key === 'properties' || key === 'patternProperties' || key === '$defs' || key === 'definitions') {
      for (const sub of Object.values((child ?? {}) as Record<string, unknown>)) count += countAnywhere(sub);
    } else count += countAnywhere(child);
  }
  return count;
}

function valueAt(args: unknown, path: string[]): string | number | boolean | undefined {
  let node: unknown = args;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'string' || typeof node === 'boolean') return node;
  if (typeof node === 'number' && Number.isSafeInteger(node)) return node;
  return undefined;
}
