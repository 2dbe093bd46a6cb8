// The plan of an import: every server entry of the agent's file, what it
// becomes in the proxy (or why it stays as it is), under which name. Entries
// that already go through this proxy are left alone; names are made fit for
// a URL and kept apart (a project's entry that differs from the user-wide
// one of the same name gets the project's folder name after it).
import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { serverNameSchema } from '../config/schema.js';
import type { AgentEntry, AgentFile } from './agent-file.js';
import type { ImportedEntry } from './found.js';
import { httpEntry } from './http-entry.js';
import { stdioEntry } from './stdio-entry.js';

export interface PlanOptions {
  /** Import only these entries (by their key in the agent's file). */
  only?: string[];
  /** The proxy's base URL (http://127.0.0.1:8787): an entry pointing there already goes through it. */
  proxyBase: string;
}

export function planImport(file: AgentFile, entries: AgentEntry[], options: PlanOptions): ImportedEntry[] {
  const plans: ImportedEntry[] = [];
  const named = new Map<string, Record<string, unknown> | undefined>();
  for (const entry of entries) {
    if (options.only && !options.only.includes(entry.key)) continue;
    const plan = convert(file, entry, fitName(entry.key), options.proxyBase);
    if (plan.server) {
      // The same name for the same server; another name for a different one.
      let name = plan.name;
      for (let i = 2; named.has(name) && !isDeepStrictEqual(named.get(name), plan.server); i++) {
        name = fitName(`${plan.name}-${entry.project ? basename(entry.project) : 'server'}${i > 2 ? `-${i}` : ''}`);
      }
      if (name !== plan.name) Object.assign(plan, reconvert(file, entry, name, options.proxyBase));
      named.set(plan.name, plan.server);
    }
    plans.push(plan);
  }
  return plans;
}

function reconvert(file: AgentFile, entry: AgentEntry, name: string, proxyBase: string): ImportedEntry {
  // Secret accounts are named after the server: convert again under the new name.
  return convert(file, entry, name, proxyBase);
}

function convert(file: AgentFile, entry: AgentEntry, name: string, proxyBase: string): ImportedEntry {
  const value = entry.value;
  const command = value[file.stdio.commandProperty ?? 'command'] ?? value.command ?? value.cmd;
  const url = [file.http.urlProperty, 'url', 'serverUrl', 'httpUrl', 'uri'].map((p) => (p ? value[p] : undefined)).find((v): v is string => typeof v === 'string');
  const base = { entry, name, secrets: [], notes: [], holdsSecret: false };
  if (url === undefined && command === undefined) return { ...base, kind: 'stdio', shown: '(unknown entry)', skip: 'neither a command nor a URL' };
  if (url !== undefined) {
    if (url.startsWith(`${proxyBase}/`)) return { ...base, kind: 'http', shown: url, skip: 'it already goes through mcp-auth-proxy' };
    return httpEntry(entry, name, file.http, url);
  }
  const words = [command, ...(Array.isArray(value[file.stdio.argsProperty ?? 'args']) ? (value[file.stdio.argsProperty ?? 'args'] as unknown[]) : [])].flat().map(String);
  if (words.some((w) => /mcp-auth-proxy/.test(w)) && words.includes('stdio')) return { ...base, kind: 'stdio', shown: words.join(' '), skip: 'it already goes through mcp-auth-proxy' };
  return stdioEntry(entry, name, file.stdio);
}

/** A proxy server name from an agent's: letters, digits, "-" and "_", not a reserved one. */
export function fitName(key: string): string {
  let name = key.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, 63) || 'server';
  if (!serverNameSchema.safeParse(name).success) name = `${name}-server`.slice(0, 63);
  return name;
}
