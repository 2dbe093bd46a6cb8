// Layered merge that remembers where each value came from, so `config` and
// error messages can name the file (or variable, or flag) behind a field.

export interface Layer {
  /** `default`, `user file /path`, `environment`, `flag`... */
  label: string;
  /** The file this layer was read from, when it was one. */
  file?: string;
  values: Record<string, unknown>;
  /** Per-leaf labels that override `label` (the env layer names each variable). */
  labels?: Map<string, string>;
}

export interface Merged {
  values: Record<string, unknown>;
  /** Dotted leaf path → label of the layer that set it. */
  provenance: Map<string, string>;
}

/** Objects at these paths are replaced whole by a higher layer, never mixed. */
const ATOMIC = [/^servers\.[^.]+\.auth$/];

/**
 * Values that are shorthand for an object, expanded before merging so they
 * layer field by field with the object form (`"audit": true` in one file and
 * `"audit": { "keep": 3 }` in another keep the audit on) and `config` names
 * the file behind each field.
 */
const SHORTHANDS: Record<string, (value: unknown) => unknown> = {
  audit: (value) => (typeof value === 'boolean' ? { enabled: value } : value),
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergeLayers(layers: Layer[]): Merged {
  const merged: Merged = { values: {}, provenance: new Map() };
  for (const layer of layers) mergeInto(merged, merged.values, layer.values, '', layer);
  return merged;
}

function mergeInto(merged: Merged, target: Record<string, unknown>, source: Record<string, unknown>, prefix: string, layer: Layer): void {
  for (const [key, raw] of Object.entries(source)) {
    if (raw === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const value = Object.hasOwn(SHORTHANDS, path) ? (SHORTHANDS[path] as (v: unknown) => unknown)(raw) : raw;
    // Own properties only: a key like __proto__ must never read or write the prototype.
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(value) && isPlainObject(existing) && !ATOMIC.some((re) => re.test(path))) {
      mergeInto(merged, existing, value, path, layer);
      continue;
    }
    for (const known of [...merged.provenance.keys()]) {
      if (known === path || (key !== '' && known.startsWith(`${path}.`))) merged.provenance.delete(known);
    }
    Object.defineProperty(target, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
    recordLeaves(merged.provenance, value, path, layer);
  }
}

function recordLeaves(provenance: Map<string, string>, value: unknown, path: string, layer: Layer): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) recordLeaves(provenance, child, `${path}.${key}`, layer);
    return;
  }
  provenance.set(path, layer.labels?.get(path) ?? labelFromAncestor(layer, path) ?? layer.label);
}

function labelFromAncestor(layer: Layer, path: string): string | undefined {
  if (!layer.labels) return undefined;
  for (let end = path.lastIndexOf('.'); end > 0; end = path.lastIndexOf('.', end - 1)) {
    const label = layer.labels.get(path.slice(0, end));
    if (label) return label;
  }
  return undefined;
}

/** The label behind `path`: its own, a descendant's (for a missing child field), or an ancestor's. */
export function sourceOf(provenance: Map<string, string>, path: string, fallback = 'default'): string {
  const own = provenance.get(path);
  if (own) return own;
  for (const [known, label] of provenance) if (known.startsWith(`${path}.`)) return label;
  for (let end = path.lastIndexOf('.'); end > 0; end = path.lastIndexOf('.', end - 1)) {
    const label = provenance.get(path.slice(0, end));
    if (label) return label;
    for (const [known, l] of provenance) if (known.startsWith(`${path.slice(0, end)}.`)) return l;
  }
  return fallback;
}
