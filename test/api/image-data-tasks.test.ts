import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { download, getImage } from '../helpers/image-data.js';
import * as disk from '../helpers/disk-images.js';

let s: TestServer;
let web: Server;
let webUrl: string;
let admin: string, member: string;
const data = disk.qcow2(16 << 20);

before(async () => {
  web = createServer((req, res) => {
    if (req.url !== '/image.qcow2') {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-length': data.length });
    res.end(data);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  s = await startServer({ HTTP_ALLOWED_HOSTS: '127.0.0.1' });
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  member = await s.token({ project: 'p1', roles: ['member'] });
});
after(async () => {
  await s.close();
  await new Promise<void>((r) => web.close(() => r()));
});

test('tasks API is admin-only by default; schemas are served', async () => {
  assert.equal((await call(s.url, 'GET', '/v2/tasks', { token: member })).status, 403);
  assert.equal((await call(s.url, 'POST', '/v2/tasks', { token: member, body: { type: 'import', input: {} } })).status, 403);
  const empty = await call(s.url, 'GET', '/v2/tasks', { token: admin });
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual(empty.body, { tasks: [], first: '/v2/tasks', schema: '/v2/schemas/tasks' });
  const schema = await call(s.url, 'GET', '/v2/schemas/task', { token: member });
  assert.equal(schema.status, 200);
  assert.equal(schema.body.name, 'task');
  assert.equal((await call(s.url, 'GET', '/v2/schemas/tasks', { token: member })).body.name, 'tasks');
});

test('a legacy import task creates the image and fills it from import_from', async () => {
  const bad = await call(s.url, 'POST', '/v2/tasks', { token: admin, body: { type: 'import', input: { import_from: `${webUrl}/image.qcow2` } } });
  assert.equal(bad.status, 400);
  assert.equal((await call(s.url, 'POST', '/v2/tasks', { token: admin, body: { type: 'export', input: {} } })).status, 400);
  const input = { import_from: `${webUrl}/image.qcow2`, import_from_format: 'qcow2', image_properties: { disk_format: 'qcow2', container_format: 'bare', name: 'from task' } };
  const r = await call(s.url, 'POST', '/v2/tasks', { token: admin, body: { type: 'import', input } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.type, 'import');
  assert.equal(r.body.status, 'pending');
  assert.deepEqual(r.body.input, input);
  assert.equal(r.body.message, '');
  assert.equal(r.headers.get('location'), `${s.url}/v2/tasks/${r.body.id}`);
  let task: any;
  for (let i = 0; i < 200; i++) {
    task = (await call(s.url, 'GET', `/v2/tasks/${r.body.id}`, { token: admin })).body;
    if (task.status === 'success' || task.status === 'failure') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(task.status, 'success', JSON.stringify(task));
  assert.match(task.expires_at, /Z$/);
  const img = await getImage(s, admin, task.result.image_id);
  assert.equal(img.status, 'active');
  assert.equal(img.name, 'from task');
  assert.equal(img.virtual_size, 16 << 20);
  assert.equal(img.checksum, createHash('md5').update(data).digest('hex'));
  assert.ok((await download(s, admin, img.id)).body.equals(data));

  const list = await call(s.url, 'GET', '/v2/tasks?status=success&limit=1', { token: admin });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.tasks.length, 1);
  assert.equal(list.body.tasks[0].input, undefined, 'list items are stubs');
  assert.equal(list.body.next, `/v2/tasks?status=success&limit=1&marker=${r.body.id}`);
  assert.equal((await call(s.url, 'GET', list.body.next, { token: admin })).body.tasks.length, 0);
  assert.equal((await call(s.url, 'GET', '/v2/tasks?status=bogus', { token: admin })).status, 400);
  assert.equal((await call(s.url, 'GET', '/v2/tasks?marker=nope', { token: admin })).status, 400);
  const del = await call(s.url, 'DELETE', `/v2/tasks/${r.body.id}`, { token: admin });
  assert.equal(del.status, 405);
  assert.equal((await call(s.url, 'GET', '/v2/tasks/6b1a5b1e-0000-4000-8000-000000000000', { token: admin })).status, 404);
});

test('a legacy import from a refused address fails at once', async () => {
  const r = await call(s.url, 'POST', '/v2/tasks', { token: admin, body: { type: 'import', input: { import_from: 'http://169.254.169.254/latest', import_from_format: 'raw', image_properties: { disk_format: 'raw', container_format: 'bare' } } } });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /not a public address/);
});
