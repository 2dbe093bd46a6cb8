// The seed environment contract: with only MCP_UPSTREAM_URL, MCP_API_KEY and
// MCP_API_SECRET set, one server named `default` with hmac auth exists.
import type { ConfigProblem } from '../errors.js';
import type { Layer } from './layers.js';

export const ENV_SERVER = 'default';
export const ENV_LABEL = 'environment';

export function environmentLayer(env: NodeJS.ProcessEnv): { layer: Layer; problems: ConfigProblem[] } {
  const values: Record<string, unknown> = {};
  const labels = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  const set = (path: string, value: unknown, variable: string) => {
    setPath(values, path, value);
    labels.set(path, `${ENV_LABEL} ${variable}`);
  };
  const get = (name: string) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const listen = get('MCP_LISTEN_ADDR');
  if (listen) set('listen', listen, 'MCP_LISTEN_ADDR');
  const timeout = get('MCP_REQUEST_TIMEOUT');
  if (timeout) set('requestTimeout', timeout, 'MCP_REQUEST_TIMEOUT');
  const level = get('MCP_LOG_LEVEL');
  if (level) set('logLevel', level.toLowerCase(), 'MCP_LOG_LEVEL');

  const url = get('MCP_UPSTREAM_URL');
  const keyId = get('MCP_API_KEY');
  const secret = get('MCP_API_SECRET');
  const server = `servers.${ENV_SERVER}`;
  if (url) set(`${server}.url`, url, 'MCP_UPSTREAM_URL');
  if (url || keyId || secret) {
    if (!keyId) problems.push({ source: ENV_LABEL, path: `${server}.auth.keyId`, message: 'MCP_API_KEY is not set; export the API key id with MCP_UPSTREAM_URL' });
    if (!secret) problems.push({ source: ENV_LABEL, path: `${server}.auth.secret`, message: 'MCP_API_SECRET is not set; export the API secret with MCP_UPSTREAM_URL' });
    set(`${server}.auth`, { type: 'hmac', keyId: keyId ?? '', secret: 'env:MCP_API_SECRET' }, 'MCP_API_KEY/MCP_API_SECRET');
  }

  const header = get('MCP_SESSION_HEADER');
  const headerValue = get('MCP_SESSION_VALUE');
  if (header && headerValue) {
    setPath(values, `${server}.headers`, { [header]: headerValue });
    labels.set(`${server}.headers.${header}`, `${ENV_LABEL} MCP_SESSION_HEADER/MCP_SESSION_VALUE`);
  } else if (header || headerValue) {
    problems.push({
      source: ENV_LABEL,
      path: `${server}.headers`,
      message: 'MCP_SESSION_HEADER and MCP_SESSION_VALUE go together; set both or neither',
    });
  }
  return { layer: { label: ENV_LABEL, values, labels }, problems };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}
