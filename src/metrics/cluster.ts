import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { serveMetrics, type MetricsSource } from './endpoint.js';

/**
 * Several worker processes (node:cluster): each keeps its own registry, and the primary answers
 * scrapes with the sum over the workers (prom-client's AggregatorRegistry asks every worker over
 * the cluster IPC channel; gauges such as in-flight requests and queue depth add up too).
 *
 * - In a worker, `createMetrics`' registry is offered to the primary by `shareWithPrimary`
 *   (src/app.ts calls it when `cluster.isWorker`).
 * - With METRICS_PORT, the primary serves it (`servePrimaryMetrics`) and workers open no
 *   listener of their own.
 * - Without it, /metrics on the API port reaches one worker, which asks the primary for the
 *   aggregate (`workerScrapes` there, `viaPrimary` here): every worker answers the same sum.
 */
export function shareWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs the worker's IPC listener that answers the primary.
  new AggregatorRegistry();
}

/** The workers' metrics, summed, in Prometheus text format (call in the primary). */
export function clusterMetrics(aggregator = new AggregatorRegistry()): MetricsSource {
  return { contentType: aggregator.contentType, text: () => aggregator.clusterMetrics() };
}

/** Serves the aggregated metrics at GET /metrics on `host:port` (loopback by default), from the primary. */
export function servePrimaryMetrics(o: { port: number; host?: string }): Promise<Server> {
  return serveMetrics(clusterMetrics(), o);
}

const TIMEOUT_MS = 5000;
type ScrapeCall = { glanceMetrics: 'call'; id: number };
type ScrapeReply = { glanceMetrics: 'reply'; id: number; text?: string; error?: string };

/** In a worker: a source that answers with the primary's sum over every worker. */
export function viaPrimary(contentType: string): MetricsSource {
  let next = 0;
  const waiting = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (m: ScrapeReply) => {
    if (m?.glanceMetrics !== 'reply') return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (m.text !== undefined) w.resolve(m.text);
    else w.reject(new Error(m.error ?? 'no answer from the primary'));
  });
  return {
    contentType,
    text: () =>
      new Promise<string>((resolve, reject) => {
        const id = ++next;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error('the primary did not answer in time'));
        }, TIMEOUT_MS);
        waiting.set(id, { resolve, reject, timer });
        process.send!({ glanceMetrics: 'call', id } satisfies ScrapeCall);
      }),
  };
}

/** In the primary: answers workers' scrape requests with the aggregate. */
export function workerScrapes(aggregator = new AggregatorRegistry()): void {
  cluster.on('message', (worker, m: ScrapeCall) => {
    if (m?.glanceMetrics !== 'call') return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ glanceMetrics: 'reply', id: m.id, text } satisfies ScrapeReply),
      (e: Error) => worker.isConnected() && worker.send({ glanceMetrics: 'reply', id: m.id, error: e.message } satisfies ScrapeReply),
    );
  });
}
