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
 * - The primary calls `servePrimaryMetrics({ port: METRICS_PORT })`: workers then open no
 *   metrics listener of their own, and /metrics on the API port answers for one worker only.
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
