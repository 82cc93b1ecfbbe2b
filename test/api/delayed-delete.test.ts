import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, download, upload } from '../helpers/image-data.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

/**
 * DELAYED_DELETE as upstream: DELETE makes an image with data pending_delete (hidden, bytes
 * kept, image.delete sent at once); the scrubber (`npm run scrubber`, or the in-process pass)
 * removes the bytes and moves it to deleted; `--restore` brings it back to active with its data.
 */
const run = promisify(execFile);

let s: TestServer;
let owner: string;
let admin: string;
const events: { event: string; payload: any }[] = [];

before(async () => {
  // No periodic pass: the test runs the scrubber itself.
  s = await startServer({ DELAYED_DELETE: 'true', SCRUB_TIME: '0', SCRUB_INTERVAL: '0' });
  owner = await s.token({ project: 'p-dd', roles: ['member'] });
  admin = await s.token({ project: 'p-admin', roles: ['admin'] });
  const n = s.app.services.notifier;
  const emit = n.emit.bind(n);
  n.emit = (event, payload, ctx) => {
    events.push({ event, payload });
    emit(event, payload, ctx);
  };
});

after(async () => {
  await s?.close();
});

/** `npm run scrubber -- ...args` as a separate process on the service's database and stores. */
async function scrubberCli(srv: TestServer, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  try {
    const r = await run(tsx, [join(PROJECT_ROOT, 'scripts', 'scrubber.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: srv.config.MONGODB_URI!, MONGODB_DB: srv.dbName, DATA_DIR: srv.config.DATA_DIR, SCRUB_TIME: '0', LOG_LEVEL: 'warn', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const storeFile = (srv: TestServer, id: string) => join(srv.config.DATA_DIR, 'stores', 'file', id);

async function activeImage(srv: TestServer, token: string, data: Buffer, body: Record<string, unknown> = {}): Promise<string> {
  const img = await createImage(srv, token, body);
  assert.equal((await upload(srv, token, img.id, data)).status, 204);
  return img.id as string;
}

async function record(srv: TestServer, id: string) {
  const r = await srv.app.services.images.repo.get(id);
  assert.ok(r, `record ${id} exists`);
  return r;
}

test('delete → pending_delete (hidden, bytes kept, image.delete sent) → scrub → bytes gone, status deleted', async () => {
  const data = randomBytes(4096);
  const id = await activeImage(s, owner, data, { name: 'dd-scrub' });
  assert.ok(existsSync(storeFile(s, id)));
  events.length = 0;

  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: owner })).status, 204);
  const pending = await record(s, id);
  assert.equal(pending.status, 'pending_delete');
  assert.equal(pending.deleted, true);
  assert.ok(pending.deleted_at);
  assert.ok(existsSync(storeFile(s, id)), 'the bytes stay until the scrubber runs');
  const sent = events.filter((e) => e.event === 'image.delete');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].payload.id, id);
  assert.equal(sent[0].payload.status, 'pending_delete');
  assert.equal(sent[0].payload.deleted, true);

  // As upstream: a deleted record is not found, for its owner and for admins; lists never show it.
  for (const token of [owner, admin]) {
    assert.equal((await call(s.url, 'GET', `/v2/images/${id}`, { token })).status, 404);
    assert.ok(!(await call(s.url, 'GET', '/v2/images', { token })).body.images.some((i: any) => i.id === id));
    const filtered = await call(s.url, 'GET', '/v2/images?status=pending_delete', { token });
    assert.equal(filtered.status, 200);
    assert.ok(!filtered.body.images.some((i: any) => i.id === id));
    assert.equal((await download(s, token, id)).status, 404);
    assert.equal((await upload(s, token, id, randomBytes(10))).status, 404);
    assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token })).status, 404);
  }

  const r = await scrubberCli(s, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`scrubbed ${id}`));
  assert.match(r.stdout, /scrubber: \d+ scrubbed, 0 failed/);
  assert.ok(!existsSync(storeFile(s, id)), 'the bytes are gone');
  const done = await record(s, id);
  assert.equal(done.status, 'deleted');
  assert.equal(done.deleted, true);
  assert.deepEqual(done.locations, []);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}`, { token: admin })).status, 404);

  // A second pass finds nothing, and restoring a scrubbed image is refused.
  const again = await scrubberCli(s, []);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, new RegExp(id));
  const refused = await scrubberCli(s, ['--restore', id]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /from deleted to active/);
});

test('delete → restore → active with its data, properties and tags', async () => {
  const data = randomBytes(10_000);
  const id = await activeImage(s, owner, data, { name: 'dd-restore', tags: ['keep'], os_distro: 'cirros' });
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: owner })).status, 204);
  assert.equal((await record(s, id)).status, 'pending_delete');

  const r = await scrubberCli(s, ['--restore', id.toUpperCase()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`restored image ${id}: active`));
  const shown = await call(s.url, 'GET', `/v2/images/${id}`, { token: owner });
  assert.equal(shown.status, 200);
  assert.equal(shown.body.status, 'active');
  assert.equal(shown.body.os_distro, 'cirros');
  assert.deepEqual(shown.body.tags, ['keep']);
  assert.ok((await call(s.url, 'GET', '/v2/images', { token: owner })).body.images.some((i: any) => i.id === id));
  const got = await download(s, owner, id);
  assert.equal(got.status, 200);
  assert.equal(md5(got.body), md5(data));
  assert.equal(md5(got.body), shown.body.checksum);

  // A scrub pass now leaves it alone; restoring an active image is refused.
  await s.app.services.scrubber.runOnce();
  assert.ok(existsSync(storeFile(s, id)));
  const twice = await scrubberCli(s, ['--restore', id]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /from active to active/);
  const unknown = await scrubberCli(s, ['--restore', '00000000-0000-4000-8000-000000000000']);
  assert.equal(unknown.code, 1);
  const bad = await scrubberCli(s, ['--restore', '../etc']);
  assert.equal(bad.code, 2);
});

test('SCRUB_TIME holds the bytes back; the in-process pass scrubs them once due', async () => {
  const data = randomBytes(2048);
  const id = await activeImage(s, owner, data);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: owner })).status, 204);
  const early = await scrubberCli(s, [], { SCRUB_TIME: '3600' });
  assert.equal(early.code, 0, early.stderr);
  assert.doesNotMatch(early.stdout, new RegExp(id));
  assert.ok(existsSync(storeFile(s, id)));
  assert.equal((await record(s, id)).status, 'pending_delete');

  const report = await s.app.services.scrubber.runOnce(); // this server's SCRUB_TIME is 0
  assert.ok(report.scrubbed.includes(id));
  assert.ok(!existsSync(storeFile(s, id)));
  assert.equal((await record(s, id)).status, 'deleted');
});

test('images without data are deleted at once; a deactivated image cannot become pending_delete (400, as upstream)', async () => {
  const queued = (await createImage(s, owner)).id as string;
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${queued}`, { token: owner })).status, 204);
  assert.equal((await record(s, queued)).status, 'deleted');

  const id = await activeImage(s, owner, randomBytes(100));
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: admin })).status, 204);
  const refused = await call(s.url, 'DELETE', `/v2/images/${id}`, { token: admin });
  assert.equal(refused.status, 400);
  assert.match(refused.body.message, /deactivated to pending_delete/);
  assert.equal((await record(s, id)).status, 'deactivated');
  assert.ok(existsSync(storeFile(s, id)));
});

test('the periodic in-process scrubber (SCRUB_INTERVAL) removes due images by itself', async () => {
  const srv = await startServer({ DELAYED_DELETE: 'true', SCRUB_TIME: '0', SCRUB_INTERVAL: '1' });
  try {
    const token = await srv.token({ project: 'p-tick', roles: ['member'] });
    const id = await activeImage(srv, token, randomBytes(512));
    assert.equal((await call(srv.url, 'DELETE', `/v2/images/${id}`, { token })).status, 204);
    const deadline = Date.now() + 30_000;
    while ((await record(srv, id)).status !== 'deleted') {
      assert.ok(Date.now() < deadline, 'scrubbed within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!existsSync(storeFile(srv, id)));
  } finally {
    await srv.close();
  }
});

test('a store that fails leaves the image pending_delete for the next pass; a scrub under way blocks a restore', async () => {
  const data = randomBytes(3000);
  const id = await activeImage(s, owner, data);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: owner })).status, 204);

  const store = s.app.services.stores.stores.get('file')!;
  const del = store.delete.bind(store);
  store.delete = async () => {
    throw new Error('store unavailable');
  };
  try {
    const report = await s.app.services.scrubber.runOnce();
    assert.ok(report.failed.includes(id));
  } finally {
    store.delete = del;
  }
  const left = await record(s, id);
  assert.equal(left.status, 'pending_delete');
  assert.equal(left.scrub_started_at ?? null, null, 'the claim is released');
  assert.ok(existsSync(storeFile(s, id)));

  // Another scrubber has taken the image on: restore is refused until it lets go.
  const claimed = await s.app.services.images.repo.updateImage(id, left.version, { scrub_started_at: new Date() });
  await assert.rejects(s.app.services.scrubber.restore(id), /being scrubbed/);
  const cli = await scrubberCli(s, ['--restore', id]);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /being scrubbed/);
  await s.app.services.images.repo.updateImage(id, claimed.version, { scrub_started_at: null });

  const restored = await s.app.services.scrubber.restore(id);
  assert.equal(restored.status, 'active');
  assert.equal(md5((await download(s, owner, id)).body), md5(data));
});
