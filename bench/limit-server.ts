/**
 * The "limit" servers of the benchmark, in a process of their own (like the service), each
 * the least code that answers the same request over HTTP:
 * - bytes: a bare express route replaying the exact status, headers and body captured from
 *   the real endpoint (the cost of HTTP + express alone);
 * - driver: the raw mongodb driver doing the same query as the service (findOne by id, or
 *   find + sort + limit) against the same store, answering JSON.stringify of the documents;
 * - ajv: express.json + raw ajv running the same schema, answering the verdict as JSON.
 * Usage: node --import tsx bench/limit-server.ts CONFIG.json
 */
import { readFileSync } from 'node:fs';
import express, { type Request, type Response } from 'express';
import { BSON, MongoClient, type Document, type Sort } from 'mongodb';
import { Ajv, type ValidateFunction } from 'ajv';

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
}
export interface AjvRoute {
  path: string;
  schema: Record<string, unknown>;
  /** The body's field holding the object to validate (batch: an array of them). */
  field: string;
  batch: boolean;
}
export interface LimitConfig {
  port: number;
  bytes: BytesRoute[];
  driver?: DriverConfig;
  ajv: AjvRoute[];
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

if (config.ajv.length) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  app.use(express.json({ limit: 1 << 20 }));
  for (const a of config.ajv) {
    const validate: ValidateFunction = ajv.compile(a.schema);
    app.post(a.path, (req: Request, res: Response) => {
      const input = (req.body as Record<string, unknown>)[a.field];
      const items = a.batch ? (input as unknown[]) : [input];
      const results = items.map((item) => (validate(item) ? { valid: true } : { valid: false, errors: validate.errors }));
      const text = JSON.stringify(a.batch ? { results } : results[0]);
      res.status(200).setHeader('Content-Type', 'application/json; charset=UTF-8');
      res.setHeader('Content-Length', Buffer.byteLength(text));
      res.end(text);
    });
  }
}

app.listen(config.port, '127.0.0.1');
