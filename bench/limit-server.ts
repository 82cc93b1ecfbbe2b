/**
 * The "limit" servers of the benchmark, in a process of their own (like the service), each
 * the least code that answers the same request over HTTP:
 * - bytes: a bare express route replaying the exact status, headers and body captured from
 *   the real endpoint (the cost of HTTP + express alone);
 * - driver: the raw mongodb driver doing the same query as the service (findOne by id, or
 *   find + sort + limit) against the same store, answering JSON.stringify of the documents;
 * - validation: express.json + the validator core the service uses (the same ajv validators,
 *   compiled once from the same definition files by src/services/validation/compile.ts, and
 *   the same per-key evaluation), without the service's authn, catalogue-freshness read and
 *   pipeline, answering the verdict as JSON.
 * Usage: node --import tsx bench/limit-server.ts CONFIG.json
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { BSON, MongoClient, type Document, type Sort } from 'mongodb';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileNamespace, keyIndex } from '../src/services/validation/compile.js';
import { evaluate } from '../src/services/validation/evaluate.js';
import type { NamespaceDef } from '../src/services/validation/definitions.js';

export interface BytesRoute {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
}
export interface DriverConfig {
  uri: string;
  db: string;
  /** Routes answering findOne({_id: :id}). */
  show: { path: string; collection: string }[];
  /** Routes answering find(filter).sort(sort).limit(limit) wrapped as {images: [...]}. */
  lists: { path: string; collection: string; filterEjson: string; sort: Record<string, 1 | -1>; limit: number; key: string }[];
  /** POST: insertOne of a copy of this document under a new id (what an image create stores). */
  create?: { path: string; collection: string; templateEjson: string };
  /** PATCH /:id: findOne, then the version-checked updateOne a JSON-patch update does. */
  patch?: { path: string; collection: string };
}
export interface ValidationRoute {
  path: string;
  /** Directory of standard definition files; namespaces a non-admin may see are compiled. */
  corpusDir: string;
  resourceType: string;
  batch: boolean;
}
export interface LimitConfig {
  port: number;
  bytes: BytesRoute[];
  driver?: DriverConfig;
  validation: ValidationRoute[];
}

const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LimitConfig;
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/__health', (_req, res) => {
  res.status(200).end('ok');
});

for (const r of config.bytes) {
  const body = Buffer.from(r.bodyBase64, 'base64');
  const method = r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  app[method](r.path, (_req: Request, res: Response) => {
    res.status(r.status);
    for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });
}

if (config.driver) {
  const client = new MongoClient(config.driver.uri, { maxPoolSize: 50 });
  await client.connect();
  const db = client.db(config.driver.db);
  const json = (res: Response, status: number, value: unknown) => {
    const text = JSON.stringify(value);
    res.status(status).setHeader('Content-Type', 'application/json; charset=UTF-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  };
  for (const s of config.driver.show) {
    const coll = db.collection<Document>(s.collection);
    app.get(s.path, async (req: Request, res: Response) => {
      try {
        const doc = await coll.findOne({ _id: req.params.id as never });
        if (!doc) return json(res, 404, { error: 'not found' });
        json(res, 200, doc);
      } catch (e) {
        json(res, 500, { error: String(e) });
      }
    });
  }
  if (config.driver.create) {
    const c = config.driver.create;
    const coll = db.collection<Document>(c.collection);
    const template = BSON.EJSON.parse(c.templateEjson) as Document;
    app.post(c.path, async (_req: Request, res: Response) => {
      try {
        const doc = { ...template, _id: randomUUID() as never, created_at: new Date(), updated_at: new Date() };
        await coll.insertOne(doc);
        json(res, 201, doc);
      } catch (e) {
        json(res, 500, { error: String(e) });
      }
    });
  }
  if (config.driver.patch) {
    const coll = db.collection<Document>(config.driver.patch.collection);
    app.patch(config.driver.patch.path, async (req: Request, res: Response) => {
      try {
        const doc = await coll.findOne({ _id: req.params.id as never });
        if (!doc) return json(res, 404, { error: 'not found' });
        const r = await coll.findOneAndUpdate(
          { _id: doc._id, version: doc.version },
          { $set: { 'properties.bench_tier': `tier-${Date.now() % 7}`, updated_at: new Date(), version: (doc.version as number) + 1 } },
          { returnDocument: 'after' },
        );
        json(res, r ? 200 : 409, r ?? { error: 'conflict' });
      } catch (e) {
        json(res, 500, { error: String(e) });
      }
    });
  }
  for (const l of config.driver.lists) {
    const coll = db.collection<Document>(l.collection);
    const filter = BSON.EJSON.parse(l.filterEjson) as Document;
    app.get(l.path, async (_req: Request, res: Response) => {
      try {
        const docs = await coll
          .find(filter)
          .sort(l.sort as Sort)
          .limit(l.limit)
          .toArray();
        json(res, 200, { [l.key]: docs });
      } catch (e) {
        json(res, 500, { error: String(e) });
      }
    });
  }
}

if (config.validation.length) {
  app.use(express.json({ limit: 1 << 20 }));
  for (const v of config.validation) {
    const defs = readdirSync(v.corpusDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(v.corpusDir, f), 'utf8')) as NamespaceDef)
      .filter((d) => d.visibility === 'public');
    const index = keyIndex(defs.map((d) => compileNamespace(d)), v.resourceType);
    app.post(v.path, (req: Request, res: Response) => {
      const body = req.body as { properties?: Record<string, unknown>; items?: { properties: Record<string, unknown> }[] };
      let out: unknown;
      if (v.batch) {
        const items = (body.items ?? []).map((i) => evaluate(index, i.properties));
        out = { valid: items.every((i) => i.valid), items };
      } else out = evaluate(index, body.properties ?? {});
      const text = JSON.stringify(out);
      res.status(200).setHeader('Content-Type', 'application/json; charset=UTF-8');
      res.setHeader('Content-Length', Buffer.byteLength(text));
      res.end(text);
    });
  }
}

app.listen(config.port, '127.0.0.1');
