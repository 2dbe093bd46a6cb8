// Log lines for a person at a terminal: `12:04:05.120 INFO  message key=value`,
// access lines as `POST /gw/mcp → 200 tools/call echo 43ms 97B→812B`, with
// colour when asked for. It renders the finished JSON line (already redacted
// by value), so nothing reaches the terminal that the JSON would not carry.

const CODES = { red: 31, yellow: 33, green: 32, cyan: 36, gray: 90, bold: 1 } as const;
type Colour = keyof typeof CODES;

const LEVEL_COLOUR: Record<string, Colour> = { error: 'red', warn: 'yellow', info: 'green', debug: 'gray' };
/** Fields shown in the head of the line (or not at all), not again as key=value. */
const HEAD = new Set(['level', 'message', 'timestamp']);
const ACCESS_HEAD = new Set([...HEAD, 'method', 'path', 'status', 'rpcMethod', 'tool', 'resource', 'prompt', 'durationMs', 'bytesIn', 'bytesOut']);

export interface PrettyOptions {
  colour: boolean;
}

/** One JSON log line as a readable line; a line that is not JSON is returned as it is. */
export function prettyLine(json: string, options: PrettyOptions): string {
  let fields: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return json;
    fields = parsed as Record<string, unknown>;
  } catch {
    return json;
  }
  const paint = (colour: Colour, text: string) => (options.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
  const level = String(fields.level ?? 'info');
  const time = typeof fields.timestamp === 'string' ? fields.timestamp.slice(11, 23) : '';
  const head = [paint('gray', time), paint(LEVEL_COLOUR[level] ?? 'cyan', level.toUpperCase().padEnd(5))];
  const access = fields.message === 'request' && typeof fields.status === 'number';
  if (access) head.push(accessSummary(fields, paint));
  else head.push(options.colour ? paint('bold', String(fields.message ?? '')) : String(fields.message ?? ''));
  const skip = access ? ACCESS_HEAD : HEAD;
  const rest = Object.entries(fields)
    .filter(([key, value]) => !skip.has(key) && value !== undefined)
    .map(([key, value]) => `${paint('gray', `${key}=`)}${typeof value === 'string' && !/[\s"=]/.test(value) && value !== '' ? value : JSON.stringify(value)}`);
  return [...head.filter((part) => part !== ''), ...rest].join(' ');
}

function accessSummary(fields: Record<string, unknown>, paint: (colour: Colour, text: string) => string): string {
  const status = fields.status as number;
  const statusColour: Colour = status >= 500 ? 'red' : status >= 400 ? 'yellow' : 'green';
  const target = fields.tool ?? fields.resource ?? fields.prompt;
  const parts = [`${String(fields.method)} ${String(fields.path)}`, '→', paint(statusColour, String(status))];
  if (typeof fields.rpcMethod === 'string') parts.push(fields.rpcMethod + (typeof target === 'string' ? ` ${target}` : ''));
  if (typeof fields.durationMs === 'number') parts.push(`${fields.durationMs}ms`);
  parts.push(`${String(fields.bytesIn ?? 0)}B→${String(fields.bytesOut ?? 0)}B`);
  return parts.join(' ');
}

/** Colour for a stream: only a terminal, and never with NO_COLOR set (https://no-color.org). */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}
