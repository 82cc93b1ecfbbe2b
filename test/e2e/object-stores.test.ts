/**
 * End-to-end with object stores: a real Keystone, a real single-node Swift with s3api
 * (scripts/swift-local.sh), and this service started as its own process with
 * `ENABLED_BACKENDS=fast:file,obj:swift,s3:s3` (secrets read from files), driven through the
 * `glance` and `openstack` command-line clients: image-create into each store, download,
 * glance-direct and web-download imports, copy-image between stores, removing one copy,
 * delete (nothing left in Swift or S3), the store details without secrets, and two faulty
 * stores (unreachable; cut in the middle of an upload) answering 503 while the image stays
 * `queued` with nothing stored.
 *
 * The Debian openstackclient (6.0) has no `image create --store`; glanceclient's
 * `image-create --store` sends the same X-Image-Meta-Store header.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { freePort, keystoneUnavailableReason, startKeystone, type Keystone } from '../helpers/keystone.js';
import { startSwift, swiftUnavailableReason, STORE_USER, type Swift } from '../helpers/swift.js';
import { SwiftClient } from '../../src/stores/swift-client.js';
import { S3Store } from '../../src/stores/s3.js';
import { s3Options } from '../../src/stores/object-options.js';
import { relay, seededBytes } from '../stores/fixtures.js';
import { glance, json, ok, openstack, qcow2Bytes, setCliHome, startService, writeClouds, type ExecOptions, type Service } from './helpers.js';

const skip = keystoneUnavailableReason() ?? swiftUnavailableReason() ?? undefined;
let ks: Keystone;
let swift: Swift;
let svc: Service;
let web: Server;
let cut: Awaited<ReturnType<typeof relay>>;
let dir: string;
let clouds: string;
const os = (user: string, ...args: string[]) => openstack(clouds, user, args);
const gl = (user: string, ...args: string[]) => glance(ks, user, args);
const glOpts = (opts: ExecOptions, user: string, ...args: string[]) => glance(ks, user, args, opts);

const image = qcow2Bytes();
const md5 = createHash('md5').update(image).digest('hex');
const webBytes = seededBytes(300_000, 17);
let imageFile: string;
const ids: Record<string, string> = {};
const swiftClient = () => new SwiftClient({ authUrl: swift.authUrl, authVersion: '1', user: STORE_USER.user, key: STORE_USER.key });
const s3 = () => new S3Store(s3Options('check', { host: swift.url, access_key: STORE_USER.user, secret_key: STORE_USER.key, bucket: 'images-e2e' }));

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const token = await ks.token('admin');
  const res = await fetch(svc.url + path, { method, headers: { 'X-Auth-Token': token, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, text: await res.text() };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const show = async (id: string) => JSON.parse((await api('GET', `/v2/images/${id}`)).text);
const storesOf = async (id: string) => String((await show(id)).stores ?? '').split(',').filter(Boolean).sort().join(',');

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'glance-ts-e2e-obj-'));
  setCliHome(dir);
  imageFile = join(dir, 'disk.qcow2');
  writeFileSync(imageFile, image);
  writeFileSync(join(dir, 'swift.key'), `${STORE_USER.key}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 's3.secret'), `${STORE_USER.key}\n`, { mode: 0o600 });
  web = createServer((req, res) => {
    if (req.url === '/disk.raw') res.writeHead(200, { 'Content-Length': webBytes.length }).end(webBytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  [ks, swift] = await Promise.all([startKeystone(), startSwift()]);
  cut = await relay(swift.url);
  const obj = (auth: string, container: string) => ({ auth_address: auth, auth_version: '1', user: STORE_USER.user, key_file: join(dir, 'swift.key'), container, large_object_size: 0.5, large_object_chunk_size: 0.25 });
  svc = await startService(ks, {
    ENABLED_BACKENDS: 'fast:file,obj:swift,s3:s3,down:swift,flaky:swift',
    STORE_OPTIONS: JSON.stringify({
      obj: obj(swift.authUrl, 'images'),
      s3: { host: swift.url, bucket: 'images-e2e', access_key: STORE_USER.user, secret_key_file: join(dir, 's3.secret'), create_bucket_on_put: true, large_object_chunk_size: 5 },
      down: obj(`http://127.0.0.1:${await freePort()}/auth/v1.0`, 'images'),
      flaky: obj(`${cut.url}/auth/v1.0`, 'flaky'),
    }),
    HTTP_ALLOWED_HOSTS: '127.0.0.1',
    SHOW_IMAGE_DIRECT_URL: 'true',
  });
  await ks.setImageEndpoint(svc.url);
  clouds = writeClouds(dir, ks);
});

after(async () => {
  await svc?.stop();
  await cut?.close();
  await Promise.all([ks?.stop(), swift?.stop()]);
  web?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('stores-info lists the object stores; the details show upstream properties and no secret', { skip }, async () => {
  const info = ok(await gl('alpha-member', 'stores-info'));
  for (const id of ['fast', 'obj', 's3']) assert.match(info.out, new RegExp(`"id": "${id}"`));
  const detail = await api('GET', '/v2/info/stores/detail');
  assert.equal(detail.status, 200, detail.text);
  const stores = JSON.parse(detail.text).stores as { id: string; type: string; properties: Record<string, unknown> }[];
  assert.deepEqual(stores.find((s) => s.id === 'obj')?.properties, { container: 'images', large_object_size: 512 * 1024, large_object_chunk_size: 256 * 1024 });
  assert.deepEqual(Object.keys(stores.find((s) => s.id === 's3')?.properties ?? {}).sort(), ['s3_store_large_object_chunk_size', 's3_store_large_object_size', 's3_store_thread_pools']);
  assert.equal(stores.find((s) => s.id === 's3')?.type, 's3');
  assert.doesNotMatch(detail.text, new RegExp(STORE_USER.key));
  assert.doesNotMatch(detail.text, /glance:store|s3\.secret|swift\.key/);
});

for (const store of ['obj', 's3']) {
  test(`glance image-create --store ${store} --file, then openstack image save`, { skip }, async () => {
    const created = ok(await gl('alpha-member', 'image-create', '--store', store, '--file', imageFile, '--disk-format', 'qcow2', '--container-format', 'bare', '--name', `e2e-${store}`));
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(created.out)?.[1];
    assert.ok(id, created.out);
    ids[store] = id;
    const shown = json(await os('alpha-member', 'image', 'show', id, '-f', 'json'));
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, md5);
    assert.equal(shown.properties.stores, store);
    const full = await api('GET', `/v2/images/${id}`);
    assert.doesNotMatch(full.text, new RegExp(STORE_USER.key));
    assert.match(JSON.parse(full.text).direct_url, store === 'obj' ? /^swift\+config:\/\/obj\/images\// : /^s3:\/\/127\.0\.0\.1:\d+\/images-e2e\//);
    const out = join(dir, `saved-${store}`);
    ok(await os('alpha-member', 'image', 'save', '--file', out, id));
    assert.ok(readFileSync(out).equals(image), 'downloaded bytes are identical');
  });
}

test('imports: glance-direct into obj (a Static Large Object), web-download into s3', { skip }, async () => {
  const big = seededBytes(1_300_000, 23); // above obj's 0.5 MiB large_object_size
  writeFileSync(join(dir, 'big.raw'), big);
  const [direct, webImport] = await Promise.all([
    glOpts({ input: big }, 'alpha-member', 'image-create-via-import', '--disk-format', 'raw', '--container-format', 'bare', '--name', 'e2e-direct-obj', '--import-method', 'glance-direct', '--stores', 'obj'),
    glOpts({ tty: true }, 'alpha-member', 'image-create-via-import', '--disk-format', 'raw', '--container-format', 'bare', '--name', 'e2e-web-s3', '--import-method', 'web-download', '--stores', 's3', '--uri', `http://127.0.0.1:${(web.address() as AddressInfo).port}/disk.raw`),
  ]);
  ok(direct);
  ok(webImport);
  const list = await waitFor('imports', async () => {
    const l = json(await os('alpha-member', 'image', 'list', '--long', '-f', 'json')) as { ID: string; Name: string; Status: string; Checksum: string }[];
    const d = l.find((i) => i.Name === 'e2e-direct-obj');
    const w = l.find((i) => i.Name === 'e2e-web-s3');
    return d?.Status === 'active' && w?.Status === 'active' ? { d, w } : undefined;
  });
  assert.equal(list.d.Checksum, createHash('md5').update(big).digest('hex'));
  assert.equal(list.w.Checksum, createHash('md5').update(webBytes).digest('hex'));
  assert.equal(await storesOf(list.d.ID), 'obj');
  assert.equal(await storesOf(list.w.ID), 's3');
  ids.big = list.d.ID;
  const segments = (await swiftClient().list('images', `${ids.big}-`)).length;
  assert.ok(segments >= 3, `segments in Swift: ${segments}`);
  const out = join(dir, 'saved-big');
  ok(await os('alpha-member', 'image', 'save', '--file', out, ids.big));
  assert.ok(readFileSync(out).equals(big));
});

test('copy-image from obj into s3 and fast, drop the obj copy, still downloadable, delete leaves nothing', { skip }, async () => {
  assert.ok(ids.big, 'needs the glance-direct image');
  ok(await gl('admin', 'image-import', '--import-method', 'copy-image', '--stores', 's3,fast', ids.big));
  await waitFor('copy', async () => ((await storesOf(ids.big)) === 'fast,obj,s3' ? true : undefined));
  ok(await gl('admin', 'stores-delete', '--store', 'obj', ids.big));
  assert.equal(await storesOf(ids.big), 'fast,s3');
  assert.deepEqual(await swiftClient().list('images', ids.big), [], 'object and segments gone from Swift');
  const out = join(dir, 'saved-copy');
  ok(await os('alpha-member', 'image', 'save', '--file', out, ids.big));
  assert.equal(createHash('md5').update(readFileSync(out)).digest('hex'), (await show(ids.big)).checksum);
  ok(await os('alpha-member', 'image', 'delete', ids.big, ids.obj, ids.s3));
  const left = await (await s3().client()).send(new ListObjectsV2Command({ Bucket: 'images-e2e' }));
  for (const id of [ids.big, ids.s3]) assert.ok(!(left.Contents ?? []).some((o) => o.Key === id), `${id} still in S3`);
  for (const id of [ids.big, ids.obj]) assert.deepEqual(await swiftClient().list('images', id), [], `${id} still in Swift`);
});

test('an unreachable store answers 503 naming it; the image stays queued, the other stores work', { skip }, async () => {
  const r = await gl('alpha-member', 'image-create', '--store', 'down', '--file', imageFile, '--disk-format', 'qcow2', '--container-format', 'bare', '--name', 'e2e-down');
  assert.notEqual(r.code, 0);
  assert.match(r.err + r.out, /503/);
  assert.match(r.err + r.out, /Store down \(swift\) is unavailable/);
  assert.doesNotMatch(r.err + r.out, new RegExp(STORE_USER.key));
  const l = json(await os('alpha-member', 'image', 'list', '--long', '-f', 'json')) as { Name: string; Status: string }[];
  assert.equal(l.find((i) => i.Name === 'e2e-down')?.Status, 'queued');
});

test('a store cut off in the middle of an upload: 503, the image stays queued, nothing stored', { skip }, async () => {
  const created = await api('POST', '/v2/images', { name: 'e2e-flaky', disk_format: 'raw', container_format: 'bare' });
  const id = JSON.parse(created.text).id as string;
  const token = await ks.token('admin');
  const data = seededBytes(1_500_000, 29);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent >= data.length) return c.close();
      if (sent >= 800_000 && sent < 800_000 + 64 * 1024) {
        // cut once Swift has taken part of segment 2's body (past the 786,432 bytes before it):
        // a request cut before Swift took any of its body is sent again, and would succeed
        for (let i = 0; i < 1000 && cut.bytes() < 800_000; i++) await new Promise((r) => setTimeout(r, 10));
        cut.cut();
      }
      c.enqueue(data.subarray(sent, sent + 64 * 1024));
      sent += 64 * 1024;
    },
  });
  const res = await fetch(`${svc.url}/v2/images/${id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'X-Image-Meta-Store': 'flaky' }, body, duplex: 'half' } as RequestInit);
  const text = await res.text();
  assert.equal(res.status, 503, text);
  assert.match(text, /Store flaky \(swift\)/);
  assert.equal((await show(id)).status, 'queued');
  assert.deepEqual(await swiftClient().list('flaky'), [], 'nothing left in the container');
});

test('the service log says which stores are ready or not, once each, and never shows a secret', { skip }, async () => {
  const log = svc.log();
  assert.doesNotMatch(log, new RegExp(STORE_USER.key));
  for (const id of ['obj', 's3']) assert.match(log, new RegExp(`store ${id} ready`));
  const down = log.split('\n').filter((l) => /"store":"down"/.test(l) && /Store down \(swift\) is unavailable/.test(l) && !/"request_id"/.test(l));
  assert.equal(down.length, 1, 'one line at start for the unreachable store');
});
