import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startServer, type TestServer } from '../helpers/server.js';
import { createImage, download, getImage, upload } from '../helpers/image-data.js';

/** Notifications of the data path: image.prepare/upload/activate, image.send with the bytes that went out, ERROR events. */
let s: TestServer;
let om: string, reader: string;
const events: { event: string; priority: 'INFO' | 'ERROR'; payload: any }[] = [];
const MiB = 1 << 20;
const DATA = Buffer.from(Array.from({ length: 16 * MiB }, (_, i) => (i * 31) % 253));

before(async () => {
  s = await startServer();
  om = await s.token({ project: 'p1', roles: ['member'], user: 'u1' });
  reader = await s.token({ project: 'p1', roles: ['reader'] });
  const n = s.app.services.notifier;
  const emit = n.emit.bind(n);
  const error = n.error.bind(n);
  n.emit = (event, payload, ctx) => {
    events.push({ event, priority: 'INFO', payload });
    emit(event, payload, ctx);
  };
  n.error = (event, payload, ctx) => {
    events.push({ event, priority: 'ERROR', payload });
    error(event, payload, ctx);
  };
});
after(() => s.close());

const of = (id: string) => events.filter((e) => e.payload?.id === id || e.payload?.image_id === id || (typeof e.payload === 'string' && e.payload.includes(id)));

let id = '';
test('upload: image.prepare, image.upload, image.activate after the data is stored; nothing for a refused upload', async () => {
  id = (await createImage(s, om)).id;
  assert.equal((await upload(s, reader, id, DATA.subarray(0, 10))).status, 403);
  assert.deepEqual(of(id).map((e) => e.event), ['image.create']);
  assert.equal((await upload(s, om, id, DATA)).status, 204);
  const ev = of(id).slice(1);
  assert.deepEqual(ev.map((e) => `${e.priority} ${e.event}`), ['INFO image.prepare', 'INFO image.upload', 'INFO image.activate']);
  assert.equal(ev[0].payload.status, 'saving');
  assert.equal(ev[1].payload.status, 'active');
  assert.equal(ev[1].payload.size, DATA.length);
  assert.deepEqual(ev[1].payload.os_glance_importing_to_stores, []);
  assert.equal('locations' in ev[1].payload, false);
});

test('download: image.send with the bytes sent, whole or a range', async () => {
  const before = events.length;
  const whole = await download(s, om, id);
  assert.equal(whole.body.length, DATA.length);
  for (let i = 0; i < 100 && events.length === before; i++) await new Promise((r) => setTimeout(r, 20));
  const sent = events.slice(before).filter((e) => e.event === 'image.send');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].priority, 'INFO');
  assert.deepEqual({ ...sent[0].payload, destination_ip: typeof sent[0].payload.destination_ip }, { bytes_sent: DATA.length, image_id: id, owner_id: 'p1', receiver_tenant_id: 'p1', receiver_user_id: 'u1', destination_ip: 'string' });

  const mark = events.length;
  const part = await download(s, om, id, { Range: 'bytes=100-199' });
  assert.equal(part.status, 206);
  for (let i = 0; i < 100 && events.length === mark; i++) await new Promise((r) => setTimeout(r, 20));
  const ranged = events.slice(mark).filter((e) => e.event === 'image.send');
  assert.deepEqual(ranged.map((e) => [e.priority, e.payload.bytes_sent]), [['INFO', 100]]);
});

test('a download cut short is an ERROR image.send with fewer bytes', async () => {
  const mark = events.length;
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(`${s.url}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': om } }, (res) => {
      res.once('data', () => {
        req.destroy(); // the client goes away after the first chunk
        resolve();
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
    req.end();
  });
  for (let i = 0; i < 200 && !events.slice(mark).some((e) => e.event === 'image.send'); i++) await new Promise((r) => setTimeout(r, 20));
  const sent = events.slice(mark).filter((e) => e.event === 'image.send');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].priority, 'ERROR');
  assert.ok(sent[0].payload.bytes_sent < DATA.length, `${sent[0].payload.bytes_sent} bytes reported`);
});

test('a failed upload is an ERROR image.upload with the reason; the image is queued again', async () => {
  const bad = (await createImage(s, om)).id;
  const r = await upload(s, om, bad, DATA.subarray(0, 1000), { 'x-openstack-image-size': '10' });
  assert.ok(r.status >= 400 && r.status < 500, String(r.status));
  const ev = of(bad);
  assert.deepEqual(ev.map((e) => `${e.priority} ${e.event}`), ['INFO image.create', 'INFO image.prepare', 'ERROR image.upload']);
  assert.equal(typeof ev[2].payload, 'string');
  assert.equal((await getImage(s, om, bad)).status, 'queued');
});
