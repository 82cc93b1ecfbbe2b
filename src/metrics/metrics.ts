import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryCounters } from '../notifier/notifier.js';
import { NO_HOOKS, type Hooks } from './hooks.js';
import { RequestSeries } from './request-series.js';

/**
 * The service's Prometheus metrics: one Registry per process, built here and handed to the
 * components that record (src/app.ts wires it). Every label value comes from a fixed set:
 * operationIds of the OpenAPI document (or `unmatched`), status classes, store ids and auth
 * modes from the configuration, policy rule names, MongoDB command names. No id, path or user
 * input ever becomes a label. The metric names are listed in the README ("Metrics").
 */
export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
  /** Bytes of cached image data now. */
  cachedBytes: number;
}

/** Counts read from components when the metrics are scraped (they keep their own counters). */
export interface MetricSources {
  /** The image cache, or null when it is disabled. */
  cache?: () => CacheCounters | null;
  notifier?: () => DeliveryCounters;
}

/** One request's timing: `route` once its operation is known, `done` when the response is over. */
export interface RequestTimer {
  route(operation: string): void;
  /** `operationOf` names a request that was never routed (asked only then, and only with metrics on). */
  done(status: number, operationOf?: () => string | undefined): void;
}

export interface Metrics extends Hooks {
  readonly enabled: boolean;
  /** Null when metrics are off. */
  readonly registry: Registry | null;
  requestStarted(): RequestTimer;
  mongoCommand(command: string, seconds: number, failed: boolean): void;
  /** Registers the counters read at scrape time (call once, after the components exist). */
  observe(sources: MetricSources): void;
}

/** Label for requests that match no operation of the document (never the raw path). */
export const UNMATCHED = 'unmatched';

const statusClass = (status: number): string => (status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other');

/** MongoDB command names come from the driver, but a bounded set is kept whatever it sends. */
const COMMAND_LABELS_MAX = 64;
const COMMAND_NAME = /^[A-Za-z]{1,40}$/;

const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const MONGO_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

const noTimer: RequestTimer = { route: () => undefined, done: () => undefined };

/** Metrics switched off: every recorder does nothing and there is no registry. */
export function disabledMetrics(): Metrics {
  return { ...NO_HOOKS, enabled: false, registry: null, requestStarted: () => noTimer, mongoCommand: () => undefined, observe: () => undefined };
}

export function createMetrics(opts: { enabled: boolean; defaultMetrics?: boolean }): Metrics {
  if (!opts.enabled) return disabledMetrics();
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requestSeries = new RequestSeries(HTTP_BUCKETS);
  requestSeries.register(registry, {
    requests: ['glance_http_requests_total', 'API requests answered, by operationId and status class.'],
    duration: ['glance_http_request_duration_seconds', 'Time from the request arriving to the response being over, by operationId and status class.'],
    inFlight: ['glance_http_requests_in_flight', 'API requests being handled now, by operationId.'],
  });

  const uploaded = new Counter({ name: 'glance_store_uploaded_bytes_total', help: 'Image bytes written to a store (uploads, staging, imports, copies), by store id.', labelNames: ['store'], registers });
  const downloaded = new Counter({ name: 'glance_store_downloaded_bytes_total', help: 'Image bytes sent to clients, by the store they came from (`cache` for the image cache).', labelNames: ['store'], registers });

  const denials = new Counter({ name: 'glance_policy_denials_total', help: 'Requests refused by a policy rule, by rule name.', labelNames: ['rule'], registers });
  // both counted on every authenticated request: plain tallies, read at scrape time
  const validations = tallyCounter(registers, 'glance_token_validations_total', 'Credentials checked, by auth mode and outcome (valid, invalid, unavailable).', ['mode', 'outcome']);
  const tokenHits = tallyCounter(registers, 'glance_token_cache_hits_total', 'Credentials answered from the verified-token cache, by auth mode.', ['mode']);

  const mongo = new Histogram({ name: 'glance_mongodb_command_duration_seconds', help: 'MongoDB command round trips (driver command monitoring), by command name.', labelNames: ['command'], buckets: MONGO_BUCKETS, registers });
  const mongoFailures = new Counter({ name: 'glance_mongodb_command_failures_total', help: 'MongoDB commands that failed, by command name.', labelNames: ['command'], registers });
  const commandLabels = new Set<string>();
  const commandRecorders = new Map<string, { time: { observe(v: number): void }; failures: { inc(): void } }>();

  const scrubs = new Counter({ name: 'glance_scrubber_images_total', help: 'Images whose data the scrubber removed (scrubbed) or could not remove (failed).', labelNames: ['outcome'], registers });

  return {
    enabled: true,
    registry,
    requestStarted(): RequestTimer {
      const started = process.hrtime.bigint();
      let operation: string | undefined;
      let finished = false;
      return {
        route(op) {
          if (operation !== undefined || finished) return;
          operation = op;
          requestSeries.started(op);
        },
        done(status, operationOf) {
          if (finished) return;
          finished = true;
          requestSeries.finished(operation, operation ?? operationOf?.() ?? UNMATCHED, statusClass(status), Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
    mongoCommand(command, seconds, failed) {
      let c = commandRecorders.get(command);
      if (!c) {
        let label = COMMAND_NAME.test(command) ? command : 'other';
        if (!commandLabels.has(label)) {
          if (commandLabels.size >= COMMAND_LABELS_MAX) label = 'other';
          else commandLabels.add(label);
        }
        c = { time: mongo.labels(label), failures: mongoFailures.labels(label) };
        // only names that got a label of their own are remembered, so the map stays bounded too
        if (label !== 'other') commandRecorders.set(command, c);
      }
      c.time.observe(seconds);
      if (failed) c.failures.inc();
    },
    tokenValidated: (mode, outcome) => validations(mode, outcome),
    tokenCacheHit: (mode) => tokenHits(mode),
    policyDenied: (rule) => denials.inc({ rule }),
    dataBytes(store, direction, bytes) {
      if (!(bytes > 0)) return;
      (direction === 'upload' ? uploaded : downloaded).inc({ store }, bytes);
    },
    scrubbed: (outcome) => scrubs.inc({ outcome }),
    observe(sources) {
      observeCache(registers, sources.cache);
      observeNotifier(registers, sources.notifier);
    },
  };
}

/**
 * A counter for a hot path: `inc(...labelValues)` is a map lookup and an addition, and the
 * totals become the counter's values at scrape time (prom-client hashes labels on every inc).
 */
function tallyCounter(registers: Registry[], name: string, help: string, labelNames: string[]): (...values: string[]) => void {
  const tallies = new Map<string, { values: string[]; n: number }>();
  new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const t of tallies.values()) this.inc(Object.fromEntries(labelNames.map((l, i) => [l, t.values[i]])), t.n);
    },
  });
  return (...values) => {
    const key = values.join(' ');
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = { values, n: 0 }));
    t.n++;
  };
}

/** A counter that mirrors a running total kept elsewhere, read at scrape time. */
function mirroredCounter(registers: Registry[], name: string, help: string, read: () => number | undefined): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      const v = read();
      this.reset();
      if (v !== undefined && v > 0) this.inc(v);
    },
  });
}

function mirroredGauge(registers: Registry[], name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read() ?? 0);
    },
  });
}

function observeCache(registers: Registry[], cache: MetricSources['cache']): void {
  if (!cache) return;
  mirroredCounter(registers, 'glance_image_cache_hits_total', 'Image downloads served from the local image cache.', () => cache()?.hits);
  mirroredCounter(registers, 'glance_image_cache_misses_total', 'Image downloads of images not in the local image cache.', () => cache()?.misses);
  mirroredCounter(registers, 'glance_image_cache_evictions_total', 'Cached images removed (least recently used, stale, or on request).', () => cache()?.evictions);
  mirroredGauge(registers, 'glance_image_cache_bytes', 'Bytes of image data in the local image cache.', () => cache()?.cachedBytes);
}

function observeNotifier(registers: Registry[], notifier: MetricSources['notifier']): void {
  if (!notifier) return;
  mirroredGauge(registers, 'glance_notifications_queue_depth', 'Notifications waiting to be delivered.', () => notifier().queued);
  mirroredCounter(registers, 'glance_notifications_sent_total', 'Notifications delivered.', () => notifier().sent);
  mirroredCounter(registers, 'glance_notifications_dropped_total', 'Notifications dropped (queue full, or left when the service stopped).', () => notifier().dropped);
  mirroredCounter(registers, 'glance_notifications_failed_total', 'Failed delivery attempts (each is retried).', () => notifier().failed);
}

