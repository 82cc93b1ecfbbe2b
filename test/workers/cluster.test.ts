/**
 * WORKERS=2 behind one port, as `npm start` runs it with no MONGODB_URI: the primary starts the
 * embedded store and relays the workers' commands over one connection. Every request goes over
 * a fresh connection, so the primary hands consecutive requests to the workers in turn; the
 * service's own request log says which worker answered which request id.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';
import { mintToken } from '../../src/authn/jwt.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

const CHECK_MS = 800;
const STALE_S = 10;

interface LogLine {
  msg: string;
  worker?: number;
  role?: string;
  request_id?: string;
  pid?: number;
  slot?: number;
  uri?: string;
  [k: string]: unknown;
}

let child: ChildProcess;
let port: number;
let dataDir: string;
let token: string;
const lines: LogLine[] = [];
const waiters: Array<() => void> = [];

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return p;
}

/** Resolves with the first log line (seen so far or later) that matches. */
async function logLine(match: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error('log line not seen in time');
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 250).unref();
    });
  }
}

interface Reply {
  status: number;
  body: string;
  worker: number;
}

/** One request on a connection of its own; `worker` is the slot that logged it. */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const id = `req-${randomUUID()}`;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { 'x-auth-token': token, 'x-openstack-request-id': id, accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  const logged = await logLine((l) => l.msg === 'request' && l.request_id === id, 10_000);
  return { status, body: text, worker: logged.worker! };
}

/** The pids of the workers that said they listen and are still alive. */
const livePids = () => lines.filter((l) => l.msg === 'worker listening').map((l) => l.pid!).filter(alive);

/** Waits until two workers listen (a killed one is replaced, not at once). */
async function twoWorkers(): Promise<number[]> {
  for (let i = 0; i < 120 && livePids().length < 2; i++) await new Promise((r) => setTimeout(r, 500));
  return livePids();
}

/** Reads until both workers have answered; returns the replies. */
async function fromBoth(path: string): Promise<Reply[]> {
  assert.equal((await twoWorkers()).length, 2, 'two workers listen');
  const seen: Reply[] = [];
  for (let i = 0; i < 20 && new Set(seen.map((r) => r.worker)).size < 2; i++) seen.push(await call('GET', path));
  assert.equal(new Set(seen.map((r) => r.worker)).size, 2, 'both workers answer requests on the one port');
  return seen;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'glance-workers-'));
  const env: NodeJS.ProcessEnv = { ...process.env, WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', METADEF_CACHE_CHECK_MS: String(CHECK_MS), UPLOAD_STALE_AFTER: String(STALE_S), NODE_ENV: 'test' };
  delete env.MONGODB_URI;
  child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  await logLine((l) => l.msg === 'all workers listening', 120_000);
  const { privateJwk } = JSON.parse(readFileSync(join(dataDir, 'dev-jwt-key.json'), 'utf8'));
  token = await mintToken(privateJwk, { sub: 'alice', project_id: 'demo', roles: ['admin', 'member', 'reader'] }, { issuer: 'glance-ts-dev', audience: 'image' });
});

after(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

test('a metadef write through one worker is seen through the other within METADEF_CACHE_CHECK_MS', async () => {
  const ns = `workers-${randomUUID().slice(0, 8)}`;
  const created = await call('POST', '/v2/metadefs/namespaces', { namespace: ns, visibility: 'public', description: 'before' });
  assert.equal(created.status, 201, created.body);
  // both workers hold the namespace in their per-process caches
  for (const r of await fromBoth(`/v2/metadefs/namespaces/${ns}`)) assert.equal(JSON.parse(r.body).description, 'before');

  const written = await call('PUT', `/v2/metadefs/namespaces/${ns}`, { namespace: ns, visibility: 'public', description: 'after' });
  assert.equal(written.status, 200, written.body);
  const writtenAt = Date.now();
  await new Promise((r) => setTimeout(r, CHECK_MS + 100));
  const reads = await fromBoth(`/v2/metadefs/namespaces/${ns}`);
  const other = reads.find((r) => r.worker !== written.worker)!;
  assert.equal(JSON.parse(other.body).description, 'after', 'the other worker answers with the write');
  for (const r of reads) assert.equal(JSON.parse(r.body).description, 'after');
  assert.ok(Date.now() - writtenAt < CHECK_MS + 20_000);
});

test('the image cache has one owner: queueing, listing and cached downloads work through either worker', async () => {
  const created = await call('POST', '/v2/images', { name: 'cached', disk_format: 'raw', container_format: 'bare' });
  const id = JSON.parse(created.body).id as string;
  const data = Buffer.alloc(64 * 1024, 3);
  const put = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/v2/images/${id}/file`, agent: false, headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(data.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(data);
  });
  assert.equal(put, 204);
  const queued = await call('PUT', `/v2/cache/${id}`);
  assert.equal(queued.status, 202, queued.body);
  let listings: Reply[] = [];
  for (let i = 0; i < 60; i++) {
    listings = await fromBoth('/v2/cache');
    if (listings.every((r) => JSON.parse(r.body).cached_images.some((c: { image_id: string }) => c.image_id === id))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const r of listings) assert.ok(JSON.parse(r.body).cached_images.some((c: { image_id: string }) => c.image_id === id), `worker ${r.worker} lists the cached copy`);
  const downloads = await fromBoth(`/v2/images/${id}/file`);
  for (const d of downloads) assert.equal(d.body, data.toString());
  const entry = JSON.parse((await call('GET', '/v2/cache')).body).cached_images.find((c: { image_id: string }) => c.image_id === id);
  assert.equal(entry.hits, downloads.length, 'every download, on either worker, was served from the copy');
  const cleared = await call('DELETE', `/v2/cache/${id}`);
  assert.equal(cleared.status, 204);
  for (const r of await fromBoth('/v2/cache')) assert.deepEqual(JSON.parse(r.body).cached_images, []);
});

test('killing the worker that runs an upload loses no image record: the image returns to queued', async () => {
  const created = await call('POST', '/v2/images', { name: 'killed-upload', disk_format: 'raw', container_format: 'bare' });
  assert.equal(created.status, 201, created.body);
  const id = JSON.parse(created.body).id as string;

  // an upload that sends 1 MiB and then stalls
  const upload = request({ host: '127.0.0.1', port, method: 'PUT', path: `/v2/images/${id}/file`, agent: false, headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } });
  const ended = new Promise<string>((resolve) => {
    upload.on('error', (e) => resolve(e.message));
    upload.on('response', (res) => resolve(`answered ${res.statusCode}`));
  });
  upload.write(Buffer.alloc(1 << 20, 7));

  // the lease names the process that runs the transfer (host:pid:random)
  const storeUri = (await logLine((l) => l.role === 'primary' && typeof l.uri === 'string')).uri!;
  const mongo = new MongoClient(storeUri, { maxPoolSize: 1 });
  let pid = 0;
  try {
    const deadline = Date.now() + 20_000;
    while (!pid && Date.now() < deadline) {
      const lease = await mongo.db('glance').collection('image_data_leases').findOne({ _id: id as never });
      if (lease) pid = Number(String(lease.host).split(':')[1]);
      else await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await mongo.close();
  }
  assert.ok(pid > 0, 'the upload took its lease');
  const saving = await call('GET', `/v2/images/${id}`);
  assert.equal(JSON.parse(saving.body).status, 'saving');

  process.kill(pid, 'SIGKILL');
  assert.match(await ended, /socket hang up|ECONNRESET|aborted/);
  const restarted = await logLine((l) => l.role === 'primary' && l.pid === pid && l.signal === 'SIGKILL' && /restarting/.test(l.msg));
  assert.ok(restarted);

  // the surviving (or restarted) worker's sweeper finds the stale lease and resets the image
  const deadline = Date.now() + (STALE_S + 30) * 1000;
  let status = 'saving';
  while (status !== 'queued' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    status = JSON.parse((await call('GET', `/v2/images/${id}`)).body).status;
  }
  assert.equal(status, 'queued');

  // and the record takes a new upload
  const data = Buffer.alloc(4096, 1);
  const ok = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/v2/images/${id}/file`, agent: false, headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(data.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(data);
  });
  assert.equal(ok, 204);
  const active = JSON.parse((await call('GET', `/v2/images/${id}`)).body);
  assert.equal(active.status, 'active');
  assert.equal(active.size, data.length);
});

test('/metrics through either worker answers the sum over both workers', async () => {
  const count = (text: string) => {
    const m = /^glance_http_requests_total\{[^}]*operation="getMemberSchema"[^}]*status_class="2xx"[^}]*\} (\d+)/m.exec(text) ?? /^glance_http_requests_total\{[^}]*status_class="2xx"[^}]*operation="getMemberSchema"[^}]*\} (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const replies = await fromBoth('/v2/schemas/member');
  // Each scrape on a connection of its own: the primary hands them to the workers in turn. The
  // scrapes are not counted under the schema's operation, so every answer is the same sum.
  for (let i = 0; i < 6; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } });
    assert.equal(r.status, 200);
    assert.equal(count(await r.text()), replies.length, 'every worker reports both workers\' requests');
  }
});

test('SIGTERM stops the workers and the embedded store, and leaves no process behind', async () => {
  // the worker killed above has been replaced by now or soon
  const live = await twoWorkers();
  assert.equal(live.length, 2, 'two workers run');
  const store = new URL((await logLine((l) => l.role === 'primary' && typeof l.uri === 'string')).uri!);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  for (const pid of live) assert.equal(alive(pid), false, `worker ${pid} is gone`);
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect({ host: store.hostname, port: Number(store.port) });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
  assert.ok(refused, 'the embedded store no longer listens');
});
