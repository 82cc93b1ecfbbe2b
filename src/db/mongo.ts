import { MongoClient, type Db } from 'mongodb';
import type { Logger } from '../log.js';

/** One MongoClient for the process. Readiness pings it with a short deadline. */
export interface Mongo {
  client: MongoClient;
  db: Db;
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function connectMongo(uri: string, dbName: string, log: Logger): Promise<Mongo> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    maxPoolSize: 50,
    retryWrites: !uri.includes('retryWrites=false'),
  });
  await client.connect();
  const db = client.db(dbName);
  log.info({ db: dbName, uri: redactUri(uri) }, 'connected to MongoDB');
  return {
    client,
    db,
    async ping(timeoutMs = 1000) {
      try {
        await Promise.race([
          db.command({ ping: 1 }),
          new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs).unref()),
        ]);
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]+)@/, '//***@');
}
