// The agent's file with each imported entry pointed at the proxy: the entry
// the client expects (its HTTP form at /{server}/mcp, or for a client that
// only launches commands the stdio bridge), written in place of the old one
// with the edits `mcp-json --write` uses, so comments and every other byte
// stay. The entry's own settings for the agent (disabled, autoApprove,
// timeout...) are kept; only how it is reached changes. The result is parsed
// again and refused unless only those entries changed.
import { isDeepStrictEqual } from 'node:util';
import { replaceJsoncValue } from '../clients/edit-jsonc.js';
import { parseToml, setTomlEntries } from '../clients/edit-toml.js';
import { parseYaml, setYamlEntries } from '../clients/edit-yaml.js';
import { parseJsonc } from '../clients/edit-jsonc.js';
import { buildSnippet } from '../clients/snippet.js';
import { AppError } from '../errors.js';
import type { AgentFile } from './agent-file.js';
import type { ImportedEntry } from './found.js';

export interface RewriteOptions {
  proxyBase: string;
  /** The client token header, when the proxy requires it. */
  headers?: Record<string, string>;
}

export function rewriteAgentFile(file: AgentFile, imported: ImportedEntry[], options: RewriteOptions): string {
  let text = file.text;
  // Plain data on both sides (structuredClone can hand back another realm's prototypes, which a deep compare tells apart).
  const expected = JSON.parse(JSON.stringify(file.data)) as Record<string, unknown>;
  for (const plan of imported) {
    const snippet = buildSnippet(file.client, [{ name: plan.name, url: `${options.proxyBase}/${plan.name}/mcp` }], options.headers ? { headers: options.headers } : {});
    const value = withSettings((snippet.document[snippet.rootKey] as Record<string, unknown>)[plan.name] as Record<string, unknown>, plan.entry.value, file);
    const path = [...plan.entry.table, plan.entry.key];
    try {
      if (file.format === 'json') text = replaceJsoncValue(text, path, value);
      else if (path.length === 2) text = file.format === 'toml' ? setTomlEntries(text, path[0] as string, { [plan.entry.key]: value }) : setYamlEntries(text, path[0] as string, { [plan.entry.key]: value });
      else throw new Error('a nested table');
    } catch (error) {
      throw new AppError('CLIENT_CONFIG_UNSAFE', `Cannot rewrite ${path.join('.')} in ${file.path}: ${(error as Error).message}`, { hint: 'Nothing was changed. Move the entry by hand, or import the others by name.' });
    }
    setAt(expected, path, value);
  }
  const parsed = file.format === 'toml' ? parseToml(text) : file.format === 'yaml' ? parseYaml(text) : parseJsonc(text);
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(parsed)), expected)) {
    throw new AppError('CLIENT_CONFIG_UNSAFE', `Cannot rewrite ${file.path} without changing other content (an unusual layout)`, { hint: 'Nothing was changed. Point those entries at the proxy by hand (`mcp-auth-proxy mcp-json` prints them).' });
  }
  return text;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1] as string] = JSON.parse(JSON.stringify(value));
}

/** How an entry is launched or reached, in any client's spelling: replaced by the proxy's form. */
const REACH_KEYS = new Set(['type', 'transport', 'url', 'serverUrl', 'httpUrl', 'uri', 'headers', 'http_headers', 'env_http_headers', 'bearer_token_env_var', 'command', 'cmd', 'args', 'env', 'envs', 'environment', 'envFile', 'env_vars', 'cwd']);

/** The proxy's entry, plus the old entry's other settings (the agent's own: enabled, autoApprove, timeout...). */
function withSettings(entry: Record<string, unknown>, old: Record<string, unknown>, file: AgentFile): Record<string, unknown> {
  const named = [file.http, file.stdio].flatMap((mapping) => Object.entries(mapping).filter(([field]) => field.endsWith('Property')).map(([, key]) => key as string));
  const reach = new Set([...REACH_KEYS, ...named]);
  const kept = Object.entries(old).filter(([key]) => !reach.has(key) && !Object.hasOwn(entry, key));
  return kept.length === 0 ? entry : { ...entry, ...Object.fromEntries(kept) };
}
