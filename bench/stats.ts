// Small statistics for the bench: median of per-round figures, percentiles and
// the mean of a sample, and a distribution summary (p50/p99/mean) of one.

export const median = (values: number[]): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : (sorted[Math.floor(sorted.length / 2)] as number);
};

/** The q-quantile of an ascending sample (nearest rank); NaN when empty. */
export const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

export const mean = (values: number[]): number => (values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length);

export interface Distribution {
  p50: number;
  p99: number;
  mean: number;
}

/** Sorts `samples` in place. */
export function distribution(samples: number[]): Distribution {
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), mean: mean(samples) };
}

/** The per-field median of per-round distributions. */
export function medianDistribution(rounds: Distribution[]): Distribution {
  return { p50: median(rounds.map((d) => d.p50)), p99: median(rounds.map((d) => d.p99)), mean: median(rounds.map((d) => d.mean)) };
}
