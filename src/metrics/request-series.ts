import type { Registry } from 'prom-client';

/**
 * The per-request metrics (count, duration histogram, in flight) kept as plain numbers and
 * turned into prom-client's exposition shape only when scraped. prom-client hashes and validates
 * the label set on every inc/observe, even through a label child, and that was most of the
 * metrics' cost per request; here a request is two map lookups and a few additions.
 */
interface Series {
  labels: { operation: string; status_class: string };
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/** One metric as prom-client's registry reads it (`get()`), which is how it is exposed and summed across workers. */
interface Exposed {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

export class RequestSeries {
  private readonly series = new Map<string, Series>();
  private readonly flights = new Map<string, { n: number }>();

  constructor(private readonly bounds: readonly number[]) {}

  started(operation: string): void {
    let f = this.flights.get(operation);
    if (!f) this.flights.set(operation, (f = { n: 0 }));
    f.n++;
  }

  /** `routed` is the operation `started` was called with, if it was. */
  finished(routed: string | undefined, operation: string, statusClass: string, seconds: number): void {
    if (routed !== undefined) this.flights.get(routed)!.n--;
    const key = `${operation} ${statusClass}`;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: { operation, status_class: statusClass }, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]) i++;
    s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }

  /** Registers the three metrics with `registry` under these names. */
  register(registry: Registry, names: { requests: [string, string]; duration: [string, string]; inFlight: [string, string] }): void {
    const add = (m: { name: string; get(): Exposed }) => registry.registerMetric(m as never); // the registry only calls name and get()
    add({ name: names.requests[0], get: () => this.requests(...names.requests) });
    add({ name: names.duration[0], get: () => this.histogram(...names.duration) });
    add({ name: names.inFlight[0], get: () => this.inFlight(...names.inFlight) });
  }

  private requests(name: string, help: string): Exposed {
    return { name, help, type: 'counter', aggregator: 'sum', values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.count })) };
  }

  private inFlight(name: string, help: string): Exposed {
    return { name, help, type: 'gauge', aggregator: 'sum', values: [...this.flights].map(([operation, f]) => ({ labels: { operation }, value: f.n })) };
  }

  private histogram(name: string, help: string): Exposed {
    const values: Exposed['values'] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        acc += s.buckets[i];
        values.push({ labels: { le: i < this.bounds.length ? this.bounds[i] : '+Inf', ...s.labels }, value: acc, metricName: `${name}_bucket` });
      }
      values.push({ labels: s.labels, value: s.sum, metricName: `${name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
    }
    return { name, help, type: 'histogram', aggregator: 'sum', values };
  }
}
