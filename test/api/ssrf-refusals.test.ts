/**
 * SSRF refusals over HTTP: web-download imports, legacy `import` tasks and POST .../locations
 * answer 400 for addresses that embed or translate a private IPv4 address, or that IANA does
 * not mark globally reachable, and store nothing (no task, no location, image still queued).
 * With HTTP_ALLOWED_HOSTS, the allowed address is reachable in its IPv4-mapped spelling too.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, getImage, waitFor } from '../helpers/image-data.js';

/** Hosts the guard let through before it followed the special-purpose registries. */
const PREVIOUSLY_PASSING = [
  '[2002:a00:1::1]', // 6to4 around 10.0.0.1
  '[2002:a9fe:a9fe::]', // 6to4 around 169.254.169.254
  '[64:ff9b:1::a9fe:a9fe]', // local-use NAT64
  '[::ffff:0:7f00:1]', // IPv4-translated 127.0.0.1
  '[2001:0:808:808:8000:f227:f5ff:fffe]', // Teredo, client 10.0.0.1
  '[5f00::1]', // SRv6 SIDs
  '[3fff::1]', // documentation
  '[2001:2::1]', // benchmarking
];

let web: Server;
let port: number;
let hits = 0;
const data = Buffer.from('remote image bytes');
before(async () => {
  web = createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  port = (web.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => web.close(() => r())));

describe('SSRF refusals through the API', () => {
  let s: TestServer;
  let om: string, service: string, admin: string;
  before(async () => {
    s = await startServer({ ENABLED_BACKENDS: 'fast:file,web:http', DEFAULT_BACKEND: 'fast' });
    om = await s.token({ project: 'p1', roles: ['member'] });
    service = await s.token({ project: 'p1', roles: ['reader', 'service'] });
    admin = await s.token({ project: 'adm', roles: ['admin'] });
  });
  after(() => s.close());

  const storedFiles = () => {
    const d = join(s.config.DATA_DIR, 'stores', 'fast');
    return existsSync(d) ? readdirSync(d).length : 0;
  };

  /** The image is untouched: queued, no data, no task, no location. */
  async function assertNothingStored(id: string) {
    const img = await getImage(s, om, id);
    assert.equal(img.status, 'queued');
    assert.equal(img.size, null);
    assert.equal(img.os_glance_import_task, undefined);
    assert.deepEqual((await call(s.url, 'GET', `/v2/images/${id}/tasks`, { token: om })).body.tasks, []);
    const locs = await call(s.url, 'GET', `/v2/images/${id}/locations`, { token: service });
    assert.equal(locs.status, 200, locs.text);
    assert.deepEqual(locs.body, []);
  }

  test('web-download and POST .../locations answer 400 and store nothing', async () => {
    const files = storedFiles();
    for (const host of PREVIOUSLY_PASSING) {
      const url = `http://${host}:${port}/disk.raw`;
      const img = await createImage(s, om);
      const imp = await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'web-download', uri: url } } });
      assert.equal(imp.status, 400, `${url}: ${imp.text}`);
      assert.match(imp.body.message, /not a public address/);
      const loc = await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url } });
      assert.equal(loc.status, 400, `${url}: ${loc.text}`);
      assert.match(loc.body.message, /not a public address/);
      await assertNothingStored(img.id);
    }
    assert.equal(storedFiles(), files);
  });

  test('a legacy import task answers 400 and creates no image', async () => {
    const count = async () => (await call(s.url, 'GET', '/v2/images', { token: admin })).body.images.length;
    const tasks = async () => (await call(s.url, 'GET', '/v2/tasks', { token: admin })).body.tasks.length;
    const [images0, tasks0] = [await count(), await tasks()];
    for (const host of PREVIOUSLY_PASSING) {
      const input = { import_from: `http://${host}/image.raw`, import_from_format: 'raw', image_properties: { disk_format: 'raw', container_format: 'bare' } };
      const r = await call(s.url, 'POST', '/v2/tasks', { token: admin, body: { type: 'import', input } });
      assert.equal(r.status, 400, `${host}: ${r.text}`);
      assert.match(r.body.message, /not a public address/);
    }
    assert.equal(await count(), images0);
    assert.equal(await tasks(), tasks0);
  });

  test('host spellings: short and hex IPv4, trailing dots, localhost, zone ids', async () => {
    const img = await createImage(s, om);
    for (const url of [`http://127.1:${port}/`, `http://0x7f.1:${port}/`, `http://2130706433:${port}/`, `http://127.0.0.1.:${port}/`, `http://localhost.:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, `http://[fe80::1%25eth0]:${port}/`]) {
      const imp = await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'web-download', uri: url } } });
      assert.equal(imp.status, 400, `${url}: ${imp.text}`);
      const loc = await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url } });
      assert.equal(loc.status, 400, `${url}: ${loc.text}`);
    }
    await assertNothingStored(img.id);
    assert.equal(hits, 0, 'the local server was never reached');
  });
});

describe('HTTP_ALLOWED_HOSTS through the API', () => {
  let s: TestServer;
  let om: string;
  before(async () => {
    s = await startServer({ HTTP_ALLOWED_HOSTS: '127.0.0.1' });
    om = await s.token({ project: 'p1', roles: ['member'] });
  });
  after(() => s.close());

  test('an allowed address is reachable, also IPv4-mapped; its 6to4 form is not', async () => {
    const img = await createImage(s, om);
    const bad = await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url: `http://[2002:7f00:1::]:${port}/remote.raw` } });
    assert.equal(bad.status, 400, bad.text);
    const r = await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url: `http://[::ffff:127.0.0.1]:${port}/remote.raw` } });
    assert.equal(r.status, 202, r.text);
    const active = await waitFor(s, om, img.id, (i) => i.status === 'active' || i.status === 'killed');
    assert.equal(active.status, 'active', JSON.stringify(active));
    assert.equal(active.size, data.length);
  });
});
