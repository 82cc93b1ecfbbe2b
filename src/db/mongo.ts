import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import type { Logger } from '../log.js';
import { assertCompareAndSet } from './cas-probe.js';

/**
 * One MongoClient for the process. Readiness pings it with a short deadline.
 *
 * Serialised mode: the embedded store (jongodb) is not atomic across connections — two
 * version-checked updates of one document arriving on two connections can both succeed —
 * but it is over one connection, where it runs one command at a time. So on that store the
 * client gets exactly one connection (`maxPoolSize: 1`): every read and write of every
 * collection and code path (repositories, leases, GridFS, sweepers) is queued in the driver
 * and reaches the server one at a time. On a real MongoDB the pool is ordinary and
 * single-document atomicity comes from the server.
 *
 * The serialisation point is "one connection to the store", so several processes can share
 * it later by talking to a relay that forwards their commands over one upstream connection.
 */
export interface Mongo {
  client: MongoClient;
  db: Db;
  /** True when every command goes over one connection (the embedded store). */
  serialized: boolean;
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export type SerializeMode = 'auto' | 'on' | 'off';

export interface ConnectOptions {
  /** `auto` (default): serialise on the embedded store and on any server that reports itself as jongodb. */
  serialize?: SerializeMode;
  /** The URI is the embedded store this process started (MONGODB_URI unset). */
  embedded?: boolean;
  /** Emit the driver's command monitoring events (for the MongoDB latency metrics). */
  monitorCommands?: boolean;
}

/** Pool size with a real MongoDB. */
const POOL_SIZE = 50;

/**
 * Writes are acknowledged once a majority of the replica set has them (they survive a
 * failover); reads are `local` from the primary, so a request always sees the writes of the
 * requests before it. A standalone server and jongodb accept both and treat them as w:1.
 */
const CONSISTENCY: MongoClientOptions = {
  writeConcern: { w: 'majority' },
  readConcern: { level: 'local' },
  readPreference: 'primary',
};

/** The embedded server's build info says jongodb (`8.0.0-jongodb`). */
export async function isJongodb(client: MongoClient): Promise<boolean> {
  const info = await client.db('admin').command({ buildInfo: 1 });
  return /jongodb/i.test(String(info.version ?? '')) || /jongodb/i.test(String(info.gitVersion ?? ''));
}

/** Whether the server at `uri` is jongodb (one short-lived connection). */
export async function connectProbe(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, maxPoolSize: 1 });
  try {
    await client.connect();
    return await isJongodb(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

export async function connectMongo(uri: string, dbName: string, log: Logger, opts: ConnectOptions = {}): Promise<Mongo> {
  const mode = opts.serialize ?? 'auto';
  const base: MongoClientOptions = {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    retryWrites: !uri.includes('retryWrites=false'),
    monitorCommands: opts.monitorCommands ?? false,
    ...CONSISTENCY,
  };
  let client: MongoClient | undefined;
  let serialized = false;
  if (mode !== 'off') {
    // connect with one connection first: it is the client to keep if the store needs it
    client = new MongoClient(uri, { ...base, maxPoolSize: 1, minPoolSize: 1 });
    await client.connect();
    serialized = mode === 'on' || opts.embedded === true || (await isJongodb(client).catch(() => false));
    if (!serialized) {
      await client.close();
      client = undefined;
    }
  }
  if (!client) {
    client = new MongoClient(uri, { ...base, maxPoolSize: POOL_SIZE });
    await client.connect();
  }
  const db = client.db(dbName);
  if (serialized) {
    try {
      const probe = await assertCompareAndSet(db);
      log.debug({ rounds: probe.rounds, writers: probe.writers, ms: probe.ms }, 'store self-check: concurrent compare-and-set has one winner');
    } catch (e) {
      await client.close().catch(() => undefined);
      throw e;
    }
  } else if (opts.embedded) {
    log.warn('MONGODB_SERIALIZE=off on the embedded store: concurrent updates of one record can be lost');
  }
  // Readiness must not queue behind the serialised commands; a ping reads nothing, so a
  // connection of its own cannot break the store's atomicity.
  const pingDb = serialized ? new MongoClient(uri, { ...base, maxPoolSize: 1, monitorCommands: false }).db(dbName) : db;
  log.info({ db: dbName, uri: redactUri(uri), serialized }, serialized ? 'connected to MongoDB (one connection: commands are serialised)' : 'connected to MongoDB');
  return {
    client,
    db,
    serialized,
    async ping(timeoutMs = 1000) {
      try {
        await Promise.race([
          pingDb.command({ ping: 1 }),
          new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs).unref()),
        ]);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await client.close();
      if (pingDb !== db) await pingDb.client.close();
    },
  };
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]+)@/, '//***@');
}
