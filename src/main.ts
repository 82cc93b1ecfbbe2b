import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createLogger } from './log.js';
import { connectMongo, type Mongo } from './db/mongo.js';
import { startEmbeddedMongo, type EmbeddedMongo } from './db/embedded.js';
import { createApp, type App } from './app.js';
import { createHttpServer } from './http/server.js';
import { loadProtections } from './authz/protections/load.js';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { runSupervisor, workerEnv } from './cluster.js';

/**
 * Entry point: configuration → MongoDB → application → listen; clean shutdown on every exit
 * path. With WORKERS > 1 this process becomes the supervising primary (src/cluster.ts) and each
 * worker runs the rest of this function with the store URI the primary gives it.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    // a bad protection file stops the service before any store is opened (checked again, with the policies, by createApp)
    if (config.PROPERTY_PROTECTION_FILE) loadProtections(config.PROPERTY_PROTECTION_FILE, config.PROPERTY_PROTECTION_RULE_FORMAT);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const workers = config.WORKERS ?? availableParallelism();
  if (cluster.isPrimary && workers > 1) {
    await runSupervisor(config, createLogger(config.LOG_LEVEL).child({ role: 'primary' }), workers);
    return;
  }
  const worker = workerEnv();
  const log = worker ? createLogger(config.LOG_LEVEL).child({ worker: worker.slot }) : createLogger(config.LOG_LEVEL);
  let embedded: EmbeddedMongo | undefined;
  let mongo: Mongo | undefined;
  let app: App | undefined;
  let server: Server | undefined;
  let stopping = false;

  const stop = async (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    const hardStop = setTimeout(() => {
      log.error('shutdown timed out');
      server?.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT);
    hardStop.unref();
    if (server) {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    }
    clearTimeout(hardStop);
    await app?.close().catch(() => undefined);
    await mongo?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0, 'SIGTERM'));
  // a terminal's Ctrl-C reaches the whole group: a worker leaves the drain to its primary
  process.on('SIGINT', () => (worker ? undefined : void stop(0, 'SIGINT')));
  // a worker whose primary is gone (killed) stops too
  if (worker) process.on('disconnect', () => void stop(0, 'primary gone'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void stop(1, 'uncaught exception');
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    void stop(1, 'unhandled rejection');
  });

  try {
    let uri = worker?.storeUri ?? config.MONGODB_URI;
    if (!uri) {
      embedded = await startEmbeddedMongo({ database: config.MONGODB_DB });
      uri = embedded.uri;
      log.warn(
        { uri },
        '*** MONGODB_URI is not set: using an embedded IN-MEMORY store. Every image record and metadata definition is LOST when the service stops. Set MONGODB_URI to a MongoDB replica set for real use. ***',
      );
    }
    mongo = await connectMongo(uri, config.MONGODB_DB, log, { serialize: config.MONGODB_SERIALIZE, embedded: embedded !== undefined || worker?.embedded === true, monitorCommands: config.METRICS_ENABLED });
    app = await createApp({ config, log, mongo, worker: worker && { slot: worker.slot } });
    server = createHttpServer(app.app);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.PORT, config.HOST, () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    log.info({ address, port, auth_mode: config.AUTH_MODE }, `listening on http://${address}:${port}`);
    for (const line of app.services.authenticator.startHints()) log.info(line.replace('HOST:PORT', `${address}:${port}`));
  } catch (e) {
    if (e instanceof ConfigError) {
      // a setting whose file is only read at start (PROPERTY_PROTECTION_FILE): as a bad setting
      process.stderr.write(`${e.message}\n`);
      await stop(2, 'start-up failed');
      return;
    }
    log.fatal({ err: e }, `cannot start: ${(e as Error).message}`);
    await stop(1, 'start-up failed');
  }
}

void main();
