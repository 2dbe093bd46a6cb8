// `mcp-auth-proxy config`: the merged config and the layer behind each value.
// Secrets can only appear as references; output is redacted all the same.
import { formatByteSize } from '../../config/byte-size.js';
import { formatDuration } from '../../config/duration.js';
import { loadConfig } from '../../config/load.js';
import { configWarnings, print, type CommandContext } from '../context.js';

export async function showConfig(ctx: CommandContext, options: { config?: string; json?: boolean }): Promise<void> {
  const loaded = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), warn: configWarnings(ctx) });
  const leaves = flatten(loaded.config as unknown as Record<string, unknown>);
  if (options.json) {
    const sources = Object.fromEntries(leaves.map(([path]) => [path, loaded.provenance.get(path) ?? 'default']));
    print(ctx, JSON.stringify({ config: loaded.config, sources, layers: loaded.layers }, null, 2));
    return;
  }
  print(ctx, 'Layers (low to high):');
  for (const layer of loaded.layers) {
    const trust = layer.trust && layer.trust !== 'trusted' ? `(not used: ${layer.trust === 'changed' ? 'changed since trusted' : 'not trusted'}; see \`mcp-auth-proxy trust\`)` : '';
    print(ctx, `  ${layer.kind.padEnd(12)}${layer.file ? `${layer.file} ` : ''}${layer.found ? trust : '(not present)'}`);
  }
  print(ctx);
  const width = Math.max(...leaves.map(([path]) => path.length));
  for (const [path, value] of leaves) {
    print(ctx, `${path.padEnd(width)}  ${JSON.stringify(asWritten(path, value, loaded.written))}  ← ${loaded.provenance.get(path) ?? 'default'}`);
  }
}

const DURATION_FIELD = /(^|\.)(requestTimeout|headersTimeout|idleTimeout|shutdownTimeout|timeout)$/;
const SIZE_FIELD = /(^|\.)(maxBodyBytes|maxBytes)$/;

/** Durations and sizes as they were written ("20s", "4MB"); defaults in the same form. */
function asWritten(path: string, value: unknown, written: Record<string, unknown>): unknown {
  if (typeof value !== 'number') return value;
  const raw = path.split('.').reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), written);
  if (typeof raw === 'string') return raw.trim();
  if (raw !== undefined) return value;
  if (DURATION_FIELD.test(path)) return formatDuration(value);
  if (SIZE_FIELD.test(path)) return formatByteSize(value);
  return value;
}

function flatten(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === 'object' && child !== null && !Array.isArray(child) && Object.keys(child).length > 0) out.push(...flatten(child as Record<string, unknown>, path));
    else out.push([path, child]);
  }
  return out;
}
