// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests: every line must be a HELP, a TYPE or a sample with well-formed
// labels and a float value, each sample's family must be declared with a
// type, and a histogram's buckets must be cumulative. Throws on the first
// line that is not.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;

export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const where = `line ${index + 1}: ${line}`;
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!name || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? '')) throw new Error(`bad TYPE, ${where}`);
      types.set(name, type as string);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample, ${where}`);
    const [, name, rawLabels, rawValue] = match as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    let rest = rawLabels ?? '';
    while (rest !== '') {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`bad labels, ${where}`);
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(label[0].length);
    }
    const value = floatOf(rawValue);
    if (value === undefined) throw new Error(`bad value, ${where}`);
    const family = name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(name) && !types.has(family)) throw new Error(`sample before its TYPE, ${where}`);
    samples.push({ name, labels, value });
  }
  checkBuckets(samples, types);
  return { samples, types };
}

/** A value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any letter case). */
function floatOf(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^[+-]?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
  return Number(text);
}

function checkBuckets(samples: Sample[], types: Map<string, string>): void {
  const series = new Map<string, number[]>();
  for (const s of samples) {
    if (!s.name.endsWith('_bucket') || types.get(s.name.slice(0, -7)) !== 'histogram') continue;
    const { le, ...rest } = s.labels;
    const key = `${s.name}${JSON.stringify(rest)}`;
    if (le === undefined) throw new Error(`bucket without le: ${s.name}`);
    series.set(key, [...(series.get(key) ?? []), s.value]);
  }
  for (const [key, counts] of series) {
    for (let i = 1; i < counts.length; i++) if ((counts[i] as number) < (counts[i - 1] as number)) throw new Error(`buckets not cumulative: ${key}`);
  }
}

/** The value of one sample, matched by name and a subset of labels; undefined when absent. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
