import { request as httpRequest, type Server } from 'node:http';
import { createHttpServer } from '../../src/http/server.js';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { connectMongo, type Mongo } from '../../src/db/mongo.js';
import type { Db } from 'mongodb';
import { createApp, type App } from '../../src/app.js';
import { mintToken } from '../../src/authn/jwt.js';

/**
 * A real service on an ephemeral port, on the run's embedded MongoDB with a database of
 * its own, with a signing key so tests can mint tokens for any persona.
 */
export interface TestServer {
  url: string;
  config: Config;
  app: App;
  mongo: Mongo;
  dbName: string;
  /** A token for a persona: project, roles (implied roles are added by the service), user. */
  token(p: { project?: string | null; roles: string[]; user?: string; extra?: Record<string, unknown>; expiresIn?: string | number }): Promise<string>;
  close(): Promise<void>;
}

let keyPair: Promise<{ privateJwk: JWK; keyFile: string }> | undefined;
function testKey() {
  keyPair ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'test' };
    const dir = mkdtempSync(join(tmpdir(), 'glance-test-'));
    const keyFile = join(dir, 'jwks.json');
    writeFileSync(keyFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'test' }] }));
    return { privateJwk, keyFile };
  })();
  return keyPair;
}

/** `wrapDb` lets a test put a wrapper (e.g. test/helpers/flaky-db.ts) between the service and its database. */
export async function startServer(env: Record<string, string> = {}, opts: { wrapDb?: (db: Db) => Db } = {}): Promise<TestServer> {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run tests with `npm test` (test/run.ts starts the database)');
  const { privateJwk, keyFile } = await testKey();
  const dbName = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    MONGODB_URI: uri,
    MONGODB_DB: dbName,
    AUTH_MODE: 'jwt',
    JWT_PUBLIC_KEY_FILE: keyFile,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'glance-data-')),
    ...env,
  });
  const log = createLogger(config.LOG_LEVEL);
  const mongo = await connectMongo(config.MONGODB_URI!, dbName, log, { serialize: config.MONGODB_SERIALIZE, monitorCommands: config.METRICS_ENABLED });
  let app: App;
  try {
    app = await createApp({ config, log, mongo: opts.wrapDb ? { ...mongo, db: opts.wrapDb(mongo.db) } : mongo });
  } catch (e) {
    // a service that refuses to start (a bad setting) leaves no connection open behind it
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    throw e;
  }
  const server: Server = createHttpServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    app,
    mongo,
    dbName,
    token: ({ project = 'project-a', roles, user = `user-${project ?? 'none'}`, extra = {}, expiresIn }) =>
      mintToken(privateJwk, { sub: user, ...(project ? { project_id: project } : {}), roles, ...extra }, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresIn }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}

/** An HTTP call with a token and JSON handling; returns status, headers and the parsed body. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  // Errors in their JSON form, as openstacksdk asks; a test may ask for another with its own Accept.
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'accept')) headers.Accept = 'application/json';
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  let body: string | Buffer | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
  const url = new URL(base + path);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        let parsed: unknown = undefined;
        if (text && (h.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: h, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
