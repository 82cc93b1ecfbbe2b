import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

// A small corpus keeps start-up fast: the three standard namespaces these tests use.
const dir = mkdtempSync(join(tmpdir(), 'metadefs-'));
for (const f of ['compute-cpu-pinning.json', 'compute-watchdog.json', 'compute-libvirt-image.json']) copyFileSync(join(PROJECT_ROOT, 'etc', 'metadefs', f), join(dir, f));

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
let strict: TestServer;
let warn: TestServer;
let token: string;

before(async () => {
  [strict, warn] = await Promise.all([
    startServer({ METADEFS_AUTOLOAD_DIR: dir, PROPERTY_ENFORCEMENT: 'strict' }),
    startServer({ METADEFS_AUTOLOAD_DIR: dir, PROPERTY_ENFORCEMENT: 'warn' }),
  ]);
  token = await strict.token({ project: 'p1', roles: ['member'] });
});
after(() => Promise.all([strict.close(), warn.close()]));

test('strict: image create with properties violating visible definitions is 400 listing every violation', async () => {
  const r = await call(strict.url, 'POST', '/v2/images', { token, body: { name: 'x', hw_cpu_policy: 'bogus', hw_watchdog_action: 'explode', os_type: 'linux', my_own: 'anything' } });
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.message, /hw_cpu_policy: "bogus" is not one of the allowed values \(shared, dedicated\) defined by OS::Compute::CPUPinning/);
  assert.match(r.body.message, /hw_watchdog_action: "explode" is not one of the allowed values/);
  assert.doesNotMatch(r.body.message, /os_type|my_own/);
  const list = await call(strict.url, 'GET', '/v2/images', { token });
  assert.equal(list.body.images.length, 0, 'nothing was created');
});

test('strict: valid and unknown properties pass on create; PATCH is checked too', async () => {
  const c = await call(strict.url, 'POST', '/v2/images', { token, body: { name: 'ok', hw_cpu_policy: 'dedicated', my_own: 'anything' } });
  assert.equal(c.status, 201, c.text);
  const id = c.body.id;
  const bad = await call(strict.url, 'PATCH', `/v2/images/${id}`, { token, headers: PATCH, body: [{ op: 'replace', path: '/hw_cpu_policy', value: 'mixed-up' }] });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.message, /hw_cpu_policy: "mixed-up"/);
  assert.equal((await call(strict.url, 'GET', `/v2/images/${id}`, { token })).body.hw_cpu_policy, 'dedicated');
  const good = await call(strict.url, 'PATCH', `/v2/images/${id}`, { token, headers: PATCH, body: [{ op: 'add', path: '/hw_watchdog_action', value: 'reset' }, { op: 'add', path: '/other', value: 'x' }] });
  assert.equal(good.status, 200, good.text);
  assert.equal(good.body.hw_watchdog_action, 'reset');
});

test('strict: a definition edit changes what the next image write accepts', async () => {
  const admin = await strict.token({ project: 'p-admin', roles: ['admin'] });
  const put = await call(strict.url, 'PUT', '/v2/metadefs/namespaces/OS::Compute::CPUPinning/properties/cpu_policy', {
    token: admin,
    body: { name: 'cpu_policy', title: 'CPU Pinning policy', type: 'string', enum: ['shared', 'dedicated', 'mixed'] },
  });
  assert.equal(put.status, 200, put.text);
  const c = await call(strict.url, 'POST', '/v2/images', { token, body: { name: 'mixed', hw_cpu_policy: 'mixed' } });
  assert.equal(c.status, 201, c.text);
});

test('warn: violations are accepted', async () => {
  const t = await warn.token({ project: 'p1', roles: ['member'] });
  const c = await call(warn.url, 'POST', '/v2/images', { token: t, body: { name: 'w', hw_cpu_policy: 'bogus' } });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.body.hw_cpu_policy, 'bogus');
});
