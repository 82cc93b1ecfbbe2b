/**
 * End-to-end lane: a real Keystone (Debian's keystone, fernet tokens) on loopback, this
 * service started as its own process with AUTH_MODE=keystone and registered as the image
 * endpoint, driven ONLY through the real `openstack` and `glance` command-line clients as
 * users of two projects. Run with `npm run test:e2e` (installs what is missing first).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keystoneUnavailableReason, startKeystone, type Keystone } from '../helpers/keystone.js';
import { loadOpenApiDocument, PROJECT_ROOT } from '../../src/openapi.js';
import { glance, glanceWithToken, json, ok, openstack, openstackWithToken, qcow2Bytes, setCliHome, startService, writeClouds, type CliResult, type ExecOptions, type Service } from './helpers.js';

const skip = keystoneUnavailableReason();
const ops = new Set<string>();
for (const item of Object.values((loadOpenApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> }).paths)) {
  for (const op of Object.values(item)) if (op && typeof op === 'object' && op.operationId) ops.add(op.operationId);
}
/** A scenario runs once the service documents every operation it drives. */
function scenario(name: string, needs: string[], fn: () => Promise<void>) {
  const missing = needs.filter((o) => !ops.has(o));
  test(name, { skip: skip ?? (missing.length ? `not implemented yet: ${missing.join(', ')}` : false) }, fn);
}

let ks: Keystone;
let svc: Service;
let web: Server;
let dir: string;
let clouds: string;
const os = (user: string, ...args: string[]) => openstack(clouds, user, args);
const gl = (user: string, ...args: string[]) => glance(ks, user, args);
const glOpts = (opts: ExecOptions, user: string, ...args: string[]) => glance(ks, user, args, opts);
/** The command failed, showing the HTTP status (openstack CLI) and a clear message. */
const fails = (r: CliResult, status: number | null, message: RegExp) => {
  assert.notEqual(r.code, 0, `expected a failure, got: ${r.out}`);
  const text = r.err + r.out;
  if (status !== null) assert.match(text, new RegExp(String(status)), text);
  assert.match(text, message, text);
};
/** glanceclient reads the HTML error body and prints `HTTP <status line>: <message>`, as with upstream. */
const refused = (r: CliResult, status: string, message: RegExp) => fails(r, null, new RegExp(`HTTP ${status}: .*(?:${message.source})`, message.flags));

const image = qcow2Bytes();
const md5 = createHash('md5').update(image).digest('hex');
let imageFile: string;
let webBytes: Buffer;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'glance-ts-e2e-cli-'));
  setCliHome(dir);
  imageFile = join(dir, 'disk.qcow2');
  writeFileSync(imageFile, image);
  webBytes = Buffer.alloc(40_000, 7);
  web = createServer((req, res) => {
    if (req.url === '/disk.raw') res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': webBytes.length }).end(webBytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  ks = await startKeystone();
  svc = await startService(ks, { ENABLED_BACKENDS: 'fast:file,slow:file', HTTP_ALLOWED_HOSTS: '127.0.0.1', METADEFS_AUTOLOAD_DIR: join(PROJECT_ROOT, 'etc', 'metadefs') });
  await ks.setImageEndpoint(svc.url);
  clouds = writeClouds(dir, ks);
});

after(async () => {
  await svc?.stop();
  await ks?.stop();
  web?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ids: Record<string, string> = {};

scenario('token issue works for every persona (Keystone and clouds.yaml are sane)', [], async () => {
  const [a, b] = await Promise.all([os('alpha-member', 'token', 'issue', '-f', 'json'), os('beta-member', 'token', 'issue', '-f', 'json')]);
  assert.equal(json(a).project_id, ks.projects.alpha);
  assert.equal(json(b).project_id, ks.projects.beta);
  assert.equal(json(a).user_id, ks.users['alpha-member']);
});

scenario('glance import-info and stores-info', ['getImportInfo', 'listStores'], async () => {
  const [info, stores] = await Promise.all([gl('alpha-member', 'import-info'), gl('alpha-member', 'stores-info')]);
  const flat = ok(info).out.replace(/[\s|]/g, ''); // the table wraps long values
  assert.match(flat, /"value":\["glance-direct","web-download","copy-image"\]/);
  ok(stores);
  assert.match(stores.out, /"id": "fast", "default": "true"/);
  assert.match(stores.out, /"id": "slow"/);
});

scenario('image create --file … --property k=v, then show: active, checksum of the file, owner alpha', ['createImage', 'uploadImageData', 'showImage'], async () => {
  const created = json(await os('alpha-member', 'image', 'create', '--file', imageFile, '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'k=v', '--tag', 'gold', 'e2e-one', '-f', 'json'));
  ids.one = created.id;
  assert.equal(created.name, 'e2e-one');
  assert.equal(created.owner, ks.projects.alpha);
  const shown = json(await os('alpha-member', 'image', 'show', 'e2e-one', '-f', 'json'));
  assert.equal(shown.id, ids.one);
  assert.equal(shown.status, 'active');
  assert.equal(shown.size, image.length);
  assert.equal(shown.checksum, md5);
  assert.equal(shown.disk_format, 'qcow2');
  assert.equal(shown.container_format, 'bare');
  assert.equal(shown.virtual_size, 64 << 20);
  assert.equal(shown.visibility, 'shared');
  assert.equal(shown.properties.k, 'v');
  assert.deepEqual(shown.tags, ['gold']);
  assert.equal(shown.properties.os_hash_algo, 'sha512');
  assert.equal(shown.properties.os_hash_value, createHash('sha512').update(image).digest('hex'));
});

scenario('image save writes the bytes that were uploaded', ['downloadImageData'], async () => {
  const out = join(dir, 'saved.qcow2');
  ok(await os('alpha-member', 'image', 'save', '--file', out, ids.one));
  assert.ok(readFileSync(out).equals(image), 'downloaded bytes are identical');
});

scenario('image list: --long, --sort, --limit, --marker, --property, --tag, visibility filters', ['listImages'], async () => {
  ids.two = json(await os('alpha-member', 'image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--private', 'e2e-two', '-f', 'json')).id;
  const [all, long, sorted, limited, byProp, byTag, priv, shared, pub, community] = await Promise.all([
    os('alpha-member', 'image', 'list', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--long', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--sort', 'name:desc', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--limit', '1', '--marker', ids.two, '-f', 'json'),
    os('alpha-member', 'image', 'list', '--property', 'k=v', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--tag', 'gold', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--private', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--shared', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--public', '-f', 'json'),
    os('alpha-member', 'image', 'list', '--community', '-f', 'json'),
  ]);
  const names = (r: CliResult) => json(r).map((i: { Name: string }) => i.Name);
  assert.deepEqual(names(all).sort(), ['e2e-one', 'e2e-two']);
  const l = json(long).find((i: { ID: string }) => i.ID === ids.one);
  assert.equal(l.Project, ks.projects.alpha);
  assert.equal(l['Disk Format'], 'qcow2');
  assert.equal(l.Size, image.length);
  assert.equal(l.Checksum, md5);
  assert.deepEqual(l.Tags, ['gold']);
  assert.deepEqual(names(sorted), ['e2e-two', 'e2e-one']);
  // (openstackclient sorts on its side; the server's default order is created_at desc)
  assert.deepEqual(names(limited), ['e2e-one'], 'the page after the newest image');
  assert.deepEqual(names(byProp), ['e2e-one']);
  assert.deepEqual(names(byTag), ['e2e-one']);
  assert.deepEqual(names(priv), ['e2e-two']);
  assert.deepEqual(names(shared), ['e2e-one'], 'the owner sees its own shared images');
  assert.deepEqual(names(pub), []);
  assert.deepEqual(names(community), []);
});

scenario('image set / unset: name, properties, tags, protected, deactivate / activate', ['updateImage', 'deactivateImage', 'reactivateImage', 'addImageTag', 'deleteImageTag', 'deleteImage'], async () => {
  ok(await os('alpha-member', 'image', 'set', '--name', 'e2e-two-renamed', '--property', 'color=blue', '--property', 'size_hint=small', '--tag', 'silver', '--protected', ids.two));
  let s = json(await os('alpha-member', 'image', 'show', ids.two, '-f', 'json'));
  assert.equal(s.name, 'e2e-two-renamed');
  assert.equal(s.properties.color, 'blue');
  assert.deepEqual(s.tags, ['silver']);
  assert.equal(s.protected, true);
  fails(await os('alpha-member', 'image', 'delete', ids.two), 403, /protected|Failed to delete/i);
  ok(await os('alpha-member', 'image', 'unset', '--property', 'color', '--tag', 'silver', ids.two));
  ok(await os('alpha-member', 'image', 'set', '--unprotected', ids.two));
  s = json(await os('alpha-member', 'image', 'show', ids.two, '-f', 'json'));
  assert.equal(s.properties.color, undefined);
  assert.equal(s.properties.size_hint, 'small');
  assert.deepEqual(s.tags, []);
  assert.equal(s.protected, false);

  // Deactivation is an admin action by default; the data cannot be read while deactivated.
  ok(await os('alpha-admin', 'image', 'set', '--deactivate', ids.one));
  assert.equal(json(await os('alpha-member', 'image', 'show', ids.one, '-f', 'json')).status, 'deactivated');
  // openstacksdk 0.101 does not check the download's status (it reports a checksum mismatch):
  // glance image-download shows the service's 403 message.
  const save = await os('alpha-member', 'image', 'save', '--file', join(dir, 'x'), ids.one);
  assert.notEqual(save.code, 0);
  refused(await gl('alpha-member', 'image-download', '--file', join(dir, 'y'), ids.one), '403 Forbidden', /The requested image has been deactivated\. Image data download is forbidden\./);
  ok(await os('alpha-admin', 'image', 'set', '--activate', ids.one));
  assert.equal(json(await os('alpha-member', 'image', 'show', ids.one, '-f', 'json')).status, 'active');

  // os_hidden: left out of default lists, listed with --hidden
  ok(await os('alpha-member', 'image', 'set', '--hidden', ids.two));
  const [plain, hidden] = await Promise.all([os('alpha-member', 'image', 'list', '-f', 'json'), os('alpha-member', 'image', 'list', '--hidden', '-f', 'json')]);
  assert.ok(!json(plain).some((i: { ID: string }) => i.ID === ids.two));
  assert.deepEqual(json(hidden).map((i: { ID: string }) => i.ID), [ids.two]);
  ok(await os('alpha-member', 'image', 'set', '--unhidden', ids.two));
});

scenario('glance image-* commands: list with sorting and filters, show, update, tags, download', ['listImages', 'showImage', 'updateImage', 'addImageTag', 'downloadImageData'], async () => {
  const [list, filtered, show] = await Promise.all([
    gl('alpha-member', 'image-list', '--sort-key', 'name', '--sort-dir', 'asc'),
    gl('alpha-member', 'image-list', '--property-filter', 'k=v', '--tag', 'gold'),
    gl('alpha-member', 'image-show', ids.one),
  ]);
  const rows = (r: CliResult) => ok(r).out.split('\n').filter((l) => /^\| [0-9a-f]{8}-/.test(l)).map((l) => l.split('|')[2].trim());
  const sorted = rows(list);
  assert.deepEqual(sorted, [...sorted].sort(), 'ascending names');
  assert.ok(sorted.includes('e2e-one') && sorted.includes('e2e-two-renamed'), sorted.join(','));
  assert.deepEqual(rows(filtered), ['e2e-one']);
  assert.match(ok(show).out, new RegExp(`\\| checksum\\s+\\| ${md5}`));
  assert.match(show.out, /\| k\s+\| v\s+\|/);
  ok(await gl('alpha-member', 'image-update', '--property', 'via=glance', '--min-ram', '128', ids.two));
  ok(await gl('alpha-member', 'image-tag-update', ids.two, 'bronze'));
  const s2 = json(await os('alpha-member', 'image', 'show', ids.two, '-f', 'json'));
  assert.equal(s2.properties.via, 'glance');
  assert.equal(s2.min_ram, 128);
  assert.deepEqual(s2.tags, ['bronze']);
  const out = join(dir, 'glance-download.qcow2');
  ok(await gl('alpha-member', 'image-download', '--file', out, ids.one));
  assert.ok(readFileSync(out).equals(image));
});

scenario('sharing across projects: add project, accept, member list, remove project', ['createImageMember', 'updateImageMember', 'listImageMembers', 'deleteImageMember'], async () => {
  // e2e-one is "shared" (the default visibility): alpha adds beta as a member.
  const added = json(await os('alpha-member', 'image', 'add', 'project', ids.one, ks.projects.beta, '-f', 'json'));
  assert.equal(added.status, 'pending');
  assert.equal(added.member_id, ks.projects.beta);
  // pending: beta may look at it by id, but it is not in beta's default list
  assert.equal(json(await os('beta-member', 'image', 'show', ids.one, '-f', 'json')).id, ids.one);
  assert.ok(!json(await os('beta-member', 'image', 'list', '-f', 'json')).some((i: { ID: string }) => i.ID === ids.one));
  ok(await os('beta-member', 'image', 'set', '--accept', ids.one));
  const [betaList, members, betaShared] = await Promise.all([
    os('beta-member', 'image', 'list', '-f', 'json'),
    os('alpha-member', 'image', 'member', 'list', ids.one, '-f', 'json'),
    os('beta-member', 'image', 'list', '--shared', '-f', 'json'),
  ]);
  assert.ok(json(betaList).some((i: { ID: string }) => i.ID === ids.one), 'accepted: in beta list');
  assert.ok(json(betaShared).some((i: { ID: string }) => i.ID === ids.one), 'accepted: in beta --shared list');
  const m = json(members);
  assert.equal(m.length, 1);
  assert.equal(m[0]['Member ID'], ks.projects.beta);
  assert.equal(m[0].Status, 'accepted');
  // beta may not modify or delete an image it is only a member of
  fails(await os('beta-member', 'image', 'delete', ids.one), 403, /Failed to delete|not authorized|Forbidden/i);
  ok(await os('alpha-member', 'image', 'remove', 'project', ids.one, ks.projects.beta));
  const gone = await os('beta-member', 'image', 'show', ids.one);
  assert.notEqual(gone.code, 0, 'no longer visible to beta');
  assert.match(gone.err, /No Image found|404|not found/i);
});

scenario('refusals: a reader cannot create; another project cannot see or delete a private image', ['createImage', 'deleteImage'], async () => {
  const [readerCreate, betaDelete, betaShow] = await Promise.all([
    os('alpha-reader', 'image', 'create', '--disk-format', 'raw', '--container-format', 'bare', 'reader-img'),
    os('beta-member', 'image', 'delete', ids.two),
    os('beta-member', 'image', 'show', ids.two),
  ]);
  fails(readerCreate, 403, /not authorized to create images|Forbidden/i);
  assert.notEqual(betaDelete.code, 0);
  assert.match(betaDelete.err, /No Image found|404/);
  assert.notEqual(betaShow.code, 0);
  // the image is untouched
  assert.equal(json(await os('alpha-member', 'image', 'show', ids.two, '-f', 'json')).id, ids.two);
});

scenario('public images are admin-only to create and visible to every project; others may not delete them', ['createImage', 'deleteImage', 'listImages'], async () => {
  fails(await os('alpha-member', 'image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--public', 'not-allowed'), 403, /publicize|not authorized|Forbidden/i);
  ids.pub = json(await os('admin', 'image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--public', 'e2e-public', '-f', 'json')).id;
  const [betaPublic, betaDelete] = await Promise.all([os('beta-member', 'image', 'list', '--public', '-f', 'json'), os('beta-member', 'image', 'delete', ids.pub)]);
  assert.ok(json(betaPublic).some((i: { ID: string }) => i.ID === ids.pub));
  fails(betaDelete, 403, /Failed to delete|not authorized|Forbidden/i);
  ok(await os('admin', 'image', 'delete', ids.pub));
});

scenario('glance image-create-via-import: glance-direct and web-download', ['stageImageData', 'importImage', 'showImage'], async () => {
  // glanceclient reads the data from stdin when stdin is not a terminal, and refuses --uri then.
  const [direct, web1] = await Promise.all([
    glOpts({ input: image }, 'alpha-member', 'image-create-via-import', '--disk-format', 'qcow2', '--container-format', 'bare', '--name', 'e2e-direct', '--import-method', 'glance-direct'),
    glOpts({ tty: true }, 'alpha-member', 'image-create-via-import', '--disk-format', 'raw', '--container-format', 'bare', '--name', 'e2e-web', '--import-method', 'web-download', '--uri', `http://127.0.0.1:${(web.address() as AddressInfo).port}/disk.raw`),
  ]);
  ok(direct);
  ok(web1);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const list = json(await os('alpha-member', 'image', 'list', '--long', '-f', 'json')) as { Name: string; Status: string; Size: number; Checksum: string }[];
    const d = list.find((i) => i.Name === 'e2e-direct');
    const w = list.find((i) => i.Name === 'e2e-web');
    if (d?.Status === 'active' && w?.Status === 'active') {
      assert.equal(d.Checksum, md5);
      assert.equal(w.Size, webBytes.length);
      assert.equal(w.Checksum, createHash('md5').update(webBytes).digest('hex'));
      ids.direct = (d as unknown as { ID: string }).ID;
      break;
    }
    assert.ok(Date.now() < deadline, `imports did not finish: ${JSON.stringify([d, w])}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
});

scenario('glance image-import --import-method copy-image to another store (admin)', ['importImage', 'showImage'], async () => {
  assert.ok(ids.direct, 'needs the glance-direct image');
  const before = json(await os('admin', 'image', 'show', ids.direct, '-f', 'json'));
  assert.equal(before.properties.stores, 'fast');
  refused(await gl('alpha-member', 'image-import', '--import-method', 'copy-image', '--stores', 'slow', ids.direct), '403 Forbidden', /not authorized|copy_image|Forbidden/i);
  ok(await gl('admin', 'image-import', '--import-method', 'copy-image', '--stores', 'slow', ids.direct));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const shown = json(await os('admin', 'image', 'show', ids.direct, '-f', 'json'));
    if (String(shown.properties.stores).split(',').sort().join(',') === 'fast,slow') break;
    assert.ok(Date.now() < deadline, `copy did not finish: ${JSON.stringify(shown.properties)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
});

scenario('metadefs through the glance CLI', ['listMetadefNamespaces', 'createMetadefNamespace', 'getMetadefNamespace', 'deleteMetadefNamespace', 'createMetadefProperty', 'listMetadefProperties', 'getMetadefProperty', 'createMetadefObject', 'listMetadefObjects', 'createMetadefTags', 'listMetadefResourceTypes', 'listMetadefResourceTypeAssociations'], async () => {
  const [list, rts, nsRts, std] = await Promise.all([
    gl('alpha-member', 'md-namespace-list'),
    gl('alpha-member', 'md-resource-type-list'),
    gl('alpha-member', 'md-namespace-resource-type-list', 'OS::Compute::Hypervisor'),
    gl('alpha-member', 'md-namespace-show', 'OS::Compute::Hypervisor'),
  ]);
  ok(list);
  assert.match(list.out, /OS::Compute::Hypervisor/);
  assert.match(list.out, /OS::Glance::Signatures/);
  ok(rts);
  assert.match(rts.out, /OS::Glance::Image/);
  ok(nsRts);
  assert.match(nsRts.out, /OS::Glance::Image/);
  ok(std);
  assert.match(std.out, /hypervisor_type/);

  refused(await gl('alpha-member', 'md-namespace-create', 'E2E::Denied'), '403 Forbidden', /not authorized to perform add_metadef_namespace/);
  ok(await gl('admin', 'md-namespace-create', 'E2E::Test', '--display-name', 'E2E test', '--visibility', 'public', '--description', 'made by the e2e lane'));
  ok(await gl('admin', 'md-property-create', 'E2E::Test', '--name', 'speed', '--title', 'Speed', '--schema', '{"type": "integer", "minimum": 1}'));
  ok(await gl('admin', 'md-object-create', 'E2E::Test', '--name', 'Engine', '--schema', '{"description": "an engine", "properties": {"cylinders": {"type": "integer", "title": "Cylinders"}}}'));
  ok(await gl('admin', 'md-tag-create-multiple', 'E2E::Test', '--names', 'fast,slow', '--delim', ','));
  const [props, prop, objs, tags, shown] = await Promise.all([
    gl('alpha-member', 'md-property-list', 'E2E::Test'),
    gl('alpha-member', 'md-property-show', 'E2E::Test', 'speed'),
    gl('alpha-member', 'md-object-list', 'E2E::Test'),
    gl('alpha-member', 'md-tag-list', 'E2E::Test'),
    gl('alpha-member', 'md-namespace-show', 'E2E::Test'),
  ]);
  assert.match(ok(props).out, /speed/);
  assert.match(ok(prop).out, /"?minimum"?\s*\|\s*1|minimum/);
  assert.match(ok(objs).out, /Engine/);
  assert.match(ok(tags).out, /fast/);
  assert.match(tags.out, /slow/);
  assert.match(ok(shown).out, /E2E test/);
  ok(await gl('admin', 'md-namespace-delete', 'E2E::Test'));
  const after = await gl('alpha-member', 'md-namespace-show', 'E2E::Test');
  assert.notEqual(after.code, 0);
  assert.match(after.err + after.out, /404|not found/i);
});

scenario('a revoked Keystone token is refused with 401 once the cache TTL has passed', ['listImages'], async () => {
  const token = ok(await os('alpha-member', 'token', 'issue', '-f', 'value', '-c', 'id')).out.trim();
  const listed = await openstackWithToken(svc.url, token, ['image', 'list', '-f', 'json']);
  assert.ok(json(listed).some((i: { ID: string }) => i.ID === ids.one));
  ok(await os('alpha-member', 'token', 'revoke', token));
  await new Promise((r) => setTimeout(r, 1200)); // KEYSTONE_CACHE_TTL=1 for this lane
  const refused = await openstackWithToken(svc.url, token, ['image', 'list']);
  fails(refused, 401, /requires authentication|invalid, expired or revoked/);
  const g = await glanceWithToken(svc.url, token, ['image-list']);
  assert.notEqual(g.code, 0);
  assert.match(g.err, /Invalid OpenStack Identity credentials|401/);
});

scenario('image delete: the image is gone for everyone', ['deleteImage'], async () => {
  ok(await os('alpha-member', 'image', 'delete', ids.two));
  const r = await os('alpha-member', 'image', 'show', ids.two);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /No Image found|404/);
});
