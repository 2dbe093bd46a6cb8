// Counters, gauges and histograms kept in plain maps on the request path and
// handed to prom-client's registry only when /metrics is read, in the shape
// its own metrics give it (get() → name, help, type, values), so the registry
// writes the exposition text. prom-client's own inc()/observe() hash a label
// object on every call: a few microseconds, on every proxied request.

type Labels = Record<string, string | number>;

interface Value {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  values: Value[];
}

/** A counter or gauge: one number per label combination. */
export class Series {
  readonly aggregator = 'sum';
  private readonly values = new Map<string, Value>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly labelNames: readonly string[],
  ) {}

  /** Adds `by` (1 by default; a gauge may go down) to the series of these label values, in labelNames order. */
  add(values: ReadonlyArray<string | number>, by = 1): void {
    this.cell(values).value += by;
  }

  /**
   * The series of these label values, created at 0 on first use. The request
   * path keeps cells and adds to them directly: no label key is built per request.
   */
  cell(values: ReadonlyArray<string | number>): { value: number } {
    const key = values.join('\u0000');
    let entry = this.values.get(key);
    if (!entry) {
      entry = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] as string | number])), value: 0 };
      this.values.set(key, entry);
    }
    return entry;
  }

  /** Each label combination with its number (for summaries such as `status`'s headline counters). */
  each(visit: (labels: Readonly<Labels>, value: number) => void): void {
    for (const { labels, value } of this.values.values()) visit(labels, value);
  }

  async get(): Promise<Exported> {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: [...this.values.values()].map((v) => ({ ...v })) };
  }
}

interface HistogramEntry {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/** One label combination of a histogram, opaque outside this file. */
export interface HistogramCell {
  readonly count: number;
}

/** A histogram with fixed upper bounds (seconds), le-inclusive as Prometheus counts them. */
export class HistogramSeries {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly entries = new Map<string, HistogramEntry>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {}

  observe(values: ReadonlyArray<string | number>, value: number): void {
    this.observeIn(this.cell(values), value);
  }

  /** The histogram of these label values, created empty on first use (kept by the request path, as for Series). */
  cell(values: ReadonlyArray<string | number>): HistogramCell {
    const key = values.join('\u0000');
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] as string | number])), counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Counts one observation in a cell of this histogram. */
  observeIn(cell: HistogramCell, value: number): void {
    const entry = cell as HistogramEntry;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    entry.counts[i] = (entry.counts[i] as number) + 1;
    entry.sum += value;
    entry.count += 1;
  }

  async get(): Promise<Exported> {
    const values: Value[] = [];
    for (const entry of this.entries.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += entry.counts[i] as number;
        values.push({ labels: { ...entry.labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...entry.labels, le: '+Inf' }, value: entry.count, metricName: `${this.name}_bucket` });
      values.push({ labels: entry.labels, value: entry.sum, metricName: `${this.name}_sum` });
      values.push({ labels: entry.labels, value: entry.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
