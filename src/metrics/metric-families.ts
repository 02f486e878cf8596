import { type Metric, Registry } from 'prom-client';

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
  /** For histograms: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  metricName?: string;
}

/** One metric with all its samples, computed at scrape time. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  values: Sample[];
}

/** A prom-client registry serving fixed values: prom-client does the text format (escaping, le, +Inf). */
export function registryOf(families: MetricFamily[]): Registry {
  const registry = new Registry();
  for (const family of families) {
    const snapshot = { ...family, aggregator: 'sum' as const };
    registry.registerMetric({ ...snapshot, get: async () => snapshot } as unknown as Metric);
  }
  return registry;
}

/** The samples of one histogram series from cumulative bucket counts (`le`), the total count and the sum. */
export function histogramSamples(
  name: string,
  labels: Labels,
  bounds: readonly number[],
  cumulative: readonly number[],
  count: number,
  sum: number,
): Sample[] {
  return [
    ...bounds.map((bound, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le: String(bound) }, value: cumulative[i] ?? 0 })),
    { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count },
    { metricName: `${name}_sum`, labels, value: sum },
    { metricName: `${name}_count`, labels, value: count },
  ];
}

/** Adds `value` to the sample with these labels, creating it: for summing rows into coarser label sets. */
export function addTo(samples: Map<string, Sample>, labels: Labels, value: number): void {
  const key = JSON.stringify(labels);
  const sample = samples.get(key);
  if (sample) sample.value += value;
  else samples.set(key, { labels, value });
}
