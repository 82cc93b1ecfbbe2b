import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/config.js';
import type { Logger } from './log.js';
import { connectProbe } from './db/mongo.js';
import { startEmbeddedMongo, type EmbeddedMongo } from './db/embedded.js';
import { startStoreRelay, type StoreRelay } from './db/relay.js';
import { isCacheMessage, type CacheCall, type CacheReply } from './cache/remote.js';
import type { Server } from 'node:http';
import { servePrimaryMetrics, workerScrapes } from './metrics/cluster.js';

/**
 * The primary of WORKERS > 1: it serves no request itself. It
 * - starts the embedded store once (MONGODB_URI unset) and, when the store is atomic only per
 *   connection (jongodb), the relay that funnels every worker's commands over one connection
 *   (src/db/relay.ts); workers get the store's URI in their environment;
 * - forks the workers one after the other (slot 0 first: it loads the metadefs, owns the image
 *   cache and creates what later workers then find), and restarts a worker that dies, with
 *   back-off, logging how it ended;
 * - on SIGTERM/SIGINT asks every worker to drain (close its server, finish in-flight requests)
 *   and waits for them, then stops the relay and the embedded store;
 * - routes image-cache calls between workers and the owner (src/cache/remote.ts).
 *
 * Metrics: the primary knows its workers (`Supervisor.workers()`); a cluster-wide /metrics can
 * ask each of them over the same IPC channels (prom-client's AggregatorRegistry does so).
 */

/** Environment the primary gives its workers (internal; not settings). */
export const WORKER_ENV = {
  slot: 'GLANCE_WORKER_SLOT',
  storeUri: 'GLANCE_WORKER_STORE_URI',
  storeEmbedded: 'GLANCE_WORKER_STORE_EMBEDDED',
} as const;

/** What a worker learns from its environment. */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): { slot: number; storeUri: string; embedded: boolean } | undefined {
  if (!cluster.isWorker || env[WORKER_ENV.slot] === undefined || !env[WORKER_ENV.storeUri]) return undefined;
  return { slot: Number(env[WORKER_ENV.slot]), storeUri: env[WORKER_ENV.storeUri]!, embedded: env[WORKER_ENV.storeEmbedded] === '1' };
}

export interface Supervisor {
  /** The live workers by slot (metrics aggregation, diagnostics). */
  workers(): ReadonlyMap<number, Worker>;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A worker that ran this long is considered healthy: its slot's back-off starts over. */
const HEALTHY_AFTER_MS = 60_000;

export async function runSupervisor(config: Config, log: Logger, count: number): Promise<Supervisor> {
  let embedded: EmbeddedMongo | undefined;
  let relay: StoreRelay | undefined;
  const bySlot = new Map<number, Worker>();
  const slotOf = new Map<number, number>(); // worker id → slot
  const failures = new Map<number, number>();
  const restartTimers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let started = false;
  let metricsServer: Server | undefined;

  const stop = async (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const t of restartTimers) clearTimeout(t);
    log.info({ reason, workers: bySlot.size }, 'shutting down: draining workers');
    const exits = [...bySlot.values()].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of bySlot.values()) if (!w.isDead()) w.process.kill('SIGTERM');
    const hard = setTimeout(() => {
      log.error('workers did not stop in time: killing them');
      for (const w of bySlot.values()) if (!w.isDead()) w.process.kill('SIGKILL');
    }, config.SHUTDOWN_TIMEOUT + 5000);
    hard.unref();
    await Promise.all(exits);
    clearTimeout(hard);
    if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
    await relay?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0, 'SIGTERM'));
  process.on('SIGINT', () => void stop(0, 'SIGINT'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception in the primary');
    void stop(1, 'uncaught exception');
  });

  // The store: started here once; relayed when it is atomic only per connection.
  let uri = config.MONGODB_URI;
  let isEmbedded = false;
  try {
    if (!uri) {
      embedded = await startEmbeddedMongo({ database: config.MONGODB_DB });
      uri = embedded.uri;
      isEmbedded = true;
      log.warn({ uri }, '*** MONGODB_URI is not set: using an embedded IN-MEMORY store. Every image record and metadata definition is LOST when the service stops. Set MONGODB_URI to a MongoDB replica set for real use. ***');
    }
    const serialize = config.MONGODB_SERIALIZE === 'on' || (config.MONGODB_SERIALIZE === 'auto' && (isEmbedded || (await connectProbe(uri).catch(() => false))));
    if (serialize) {
      relay = await startStoreRelay(uri, log);
      log.info({ workers: count }, 'store is atomic per connection only: every worker command is relayed over one connection');
    }
  } catch (e) {
    log.fatal({ err: e }, `cannot start: ${(e as Error).message}`);
    await stop(1, 'start-up failed');
  }
  const workerEnvFor = (slot: number): Record<string, string> => ({
    [WORKER_ENV.slot]: String(slot),
    [WORKER_ENV.storeUri]: relay?.uri ?? uri!,
    [WORKER_ENV.storeEmbedded]: relay ? '1' : '0',
  });

  // Cache calls: worker → owner (slot 0) and back.
  const route = (from: Worker, m: CacheCall | CacheReply) => {
    if (m.glanceCache === 'call') {
      const owner = bySlot.get(0);
      if (!owner || owner.isDead() || !owner.isConnected()) {
        from.send({ glanceCache: 'reply', id: m.id, to: from.id, ok: false, error: 'the worker owning the image cache is restarting' } satisfies CacheReply);
        return;
      }
      owner.send({ ...m, from: from.id });
    } else {
      const to = cluster.workers?.[m.to];
      if (to && to.isConnected()) to.send(m);
    }
  };

  const fork = (slot: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork(workerEnvFor(slot));
      const born = Date.now();
      bySlot.set(slot, w);
      slotOf.set(w.id, slot);
      let listening = false;
      w.on('message', (m: unknown) => {
        if (isCacheMessage(m)) route(w, m);
      });
      w.once('listening', () => {
        listening = true;
        log.info({ slot, pid: w.process.pid }, 'worker listening');
        resolve();
      });
      w.once('exit', (code, signal) => {
        slotOf.delete(w.id);
        if (bySlot.get(slot) === w) bySlot.delete(slot);
        if (stopping) return;
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        if (!listening && !started) {
          reject(new Error(`worker ${slot} ${why} before it was ready`));
          return;
        }
        const n = Date.now() - born > HEALTHY_AFTER_MS ? 0 : (failures.get(slot) ?? 0) + 1;
        failures.set(slot, n);
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, n - 1));
        log.error({ slot, pid: w.process.pid, code, signal, restart_in_ms: delay, failures: n }, `worker ${slot} ${why}: restarting`);
        const t = setTimeout(() => {
          restartTimers.delete(t);
          if (!stopping) fork(slot).catch(() => undefined);
        }, delay);
        restartTimers.add(t);
      });
    });

  try {
    // one after the other: the first one loads the metadefs and creates what the others share
    for (let slot = 0; slot < count && !stopping; slot++) await fork(slot);
    started = true;
    log.info({ workers: count }, 'all workers listening');
    // Metrics summed over the workers: on METRICS_PORT from here, else through any worker's /metrics.
    if (config.METRICS_ENABLED) {
      workerScrapes();
      if (config.METRICS_PORT !== null) {
        metricsServer = await servePrimaryMetrics({ port: config.METRICS_PORT });
        log.info({ address: metricsServer.address() }, 'metrics listener (all workers)');
      }
    }
  } catch (e) {
    log.fatal({ err: e }, `cannot start: ${(e as Error).message}`);
    await stop(1, 'start-up failed');
  }
  return { workers: () => bySlot };
}
