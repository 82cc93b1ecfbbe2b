import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

/**
 * The standard corpus (etc/metadefs, a copy of upstream Glance's etc/metadefs), loaded once for the file
 * at start (METADEFS_AUTOLOAD_DIR), then driven through the `npm run metadefs` command.
 * METADEF_CACHE_CHECK_MS=0: the server must notice the command's writes (another process).
 */
const CORPUS = join(PROJECT_ROOT, 'etc', 'metadefs');
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();
const corpus = files.map((f) => JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as Record<string, any>);

let s: TestServer;
let admin: string;
let reader: string;

function metadefsCommand(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'metadefs.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MONGODB_URI: process.env.TEST_MONGODB_URI, MONGODB_DB: s.dbName, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Everything a client can read about the catalogue, for before/after comparisons. */
async function apiView() {
  const list = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=100&sort_key=namespace&sort_dir=asc', { token: admin });
  assert.equal(list.status, 200);
  const shows: Record<string, unknown> = {};
  for (const ns of list.body.namespaces) {
    const r = await call(s.url, 'GET', `/v2/metadefs/namespaces/${ns.namespace}`, { token: admin });
    assert.equal(r.status, 200);
    shows[ns.namespace] = r.body;
  }
  const rts = await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: admin });
  return { list: list.body, shows, resourceTypes: rts.body };
}

before(async () => {
  s = await startServer({ METADEFS_AUTOLOAD_DIR: CORPUS, METADEF_CACHE_CHECK_MS: '0' });
  admin = await s.token({ project: 'admin-project', roles: ['admin'] });
  reader = await s.token({ project: 'p1', roles: ['reader'] });
});
after(() => s.close());

test('the standard namespaces: 33 for an admin, 31 for a project reader (files without visibility load as private)', async () => {
  assert.equal(corpus.length, 33);
  const a = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=100', { token: admin });
  assert.equal(a.status, 200);
  assert.deepEqual(a.body.namespaces.map((n: any) => n.namespace).sort(), corpus.map((c) => c.namespace).sort());
  const r = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=100', { token: reader });
  assert.equal(r.status, 200);
  const names = r.body.namespaces.map((n: any) => n.namespace);
  assert.equal(names.length, 31);
  assert.ok(!names.includes('OS::Glance::CommonImageProperties') && !names.includes('OS::OperatingSystem'));
  const priv = a.body.namespaces.find((n: any) => n.namespace === 'OS::OperatingSystem');
  assert.equal(priv.visibility, 'private');
  assert.equal(priv.owner, 'admin');
  // the default page is 25 with a next link to the rest
  const page = await call(s.url, 'GET', '/v2/metadefs/namespaces', { token: admin });
  assert.equal(page.body.namespaces.length, 25);
  assert.equal(page.body.first, '/v2/metadefs/namespaces');
  const next = await call(s.url, 'GET', page.body.next, { token: admin });
  assert.equal(next.body.namespaces.length, 8);
  assert.equal(next.body.next, undefined);
});

test('OS::Compute::CPUPinning shows its properties and resource type associations as loaded', async () => {
  const file = corpus.find((c) => c.namespace === 'OS::Compute::CPUPinning')!;
  const r = await call(s.url, 'GET', '/v2/metadefs/namespaces/OS::Compute::CPUPinning', { token: reader });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.properties, file.properties);
  assert.deepEqual(
    r.body.resource_type_associations.map((a: any) => ({ name: a.name, ...(a.prefix ? { prefix: a.prefix } : {}), ...(a.properties_target ? { properties_target: a.properties_target } : {}) })),
    file.resource_type_associations,
  );
  assert.equal(r.body.self, '/v2/metadefs/namespaces/OS::Compute::CPUPinning');
  assert.equal(r.body.schema, '/v2/schemas/metadefs/namespace');
  assert.equal(r.body.display_name, file.display_name);
  assert.equal(r.body.protected, true);
  assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(!('objects' in r.body) && !('tags' in r.body), 'empty collections are omitted');
  // ?resource_type= prefixes every property name
  const flavor = await call(s.url, 'GET', '/v2/metadefs/namespaces/OS::Compute::CPUPinning?resource_type=OS::Nova::Flavor', { token: reader });
  assert.deepEqual(Object.keys(flavor.body.properties).sort(), Object.keys(file.properties).map((k) => `hw:${k}`).sort());
});

test('?resource_types=OS::Nova::Flavor returns exactly the namespaces associated with flavors', async () => {
  const want = corpus.filter((c) => (c.resource_type_associations ?? []).some((a: any) => a.name === 'OS::Nova::Flavor')).map((c) => c.namespace).sort();
  const r = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=100&resource_types=OS::Nova::Flavor', { token: admin });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.namespaces.map((n: any) => n.namespace).sort(), want);
  const two = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=100&resource_types=OS::Trove::Instance,OS::Nova::Aggregate&visibility=public', { token: reader });
  const want2 = corpus.filter((c) => c.visibility === 'public' && (c.resource_type_associations ?? []).some((a: any) => ['OS::Trove::Instance', 'OS::Nova::Aggregate'].includes(a.name))).map((c) => c.namespace).sort();
  assert.deepEqual(two.body.namespaces.map((n: any) => n.namespace).sort(), want2);
  const none = await call(s.url, 'GET', '/v2/metadefs/namespaces?resource_types=OS::Nope', { token: admin });
  assert.deepEqual(none.body.namespaces, []);
});

test('resource types list the standard types and those the corpus uses', async () => {
  const r = await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: reader });
  assert.equal(r.status, 200);
  const names = r.body.resource_types.map((t: any) => t.name);
  const used = new Set(corpus.flatMap((c) => (c.resource_type_associations ?? []).map((a: any) => a.name)));
  for (const n of ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server', ...used]) assert.ok(names.includes(n), n);
  assert.equal(new Set(names).size, names.length);
});

test('load is idempotent; a malformed file refuses the whole load naming the file', async () => {
  const before = await apiView();
  const again = await metadefsCommand('load', CORPUS);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /33 files: 0 created, 0 merged, 33 skipped/);
  assert.deepEqual(await apiView(), before);

  const dir = mkdtempSync(join(tmpdir(), 'metadefs-bad-'));
  writeFileSync(join(dir, 'a-good.json'), JSON.stringify({ namespace: 'Test::Good', visibility: 'public' }));
  writeFileSync(join(dir, 'b-bad.json'), JSON.stringify({ namespace: 'Test::Bad', properties: { p: { title: 'P', type: 'string', pattern: '(a)\\1' } } }));
  writeFileSync(join(dir, 'c-broken.json'), '{"namespace": ');
  writeFileSync(join(dir, 'd-dup.json'), JSON.stringify({ namespace: 'Test::Dup', tags: [{ name: 't' }, { name: 't' }] }));
  writeFileSync(join(dir, 'e-shape.json'), JSON.stringify({ namespace: 'Test::Shape', visibility: 'shared' }));
  const r = await metadefsCommand('load', dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /b-bad\.json: .*'p'.*pattern/);
  assert.match(r.stderr, /c-broken\.json: not valid JSON/);
  assert.match(r.stderr, /d-dup\.json: tag 't' appears twice/);
  assert.match(r.stderr, /e-shape\.json: \/visibility must be equal to one of the allowed values/);
  assert.doesNotMatch(r.stderr, /a-good\.json/);
  assert.equal((await call(s.url, 'GET', '/v2/metadefs/namespaces/Test::Good', { token: admin })).status, 404, 'nothing was loaded');
});

test('--merge adds what is missing, --prefer-new takes the file\'s children, --overwrite restores the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metadefs-one-'));
  copyFileSync(join(CORPUS, 'compute-watchdog.json'), join(dir, 'compute-watchdog.json'));
  const path = '/v2/metadefs/namespaces/OS::Compute::Watchdog';
  const added = await call(s.url, 'POST', `${path}/properties`, { token: admin, body: { name: 'extra', title: 'Extra', type: 'string' } });
  assert.equal(added.status, 201);
  const removed = await call(s.url, 'DELETE', `${path}/resource_types/OS::Nova::Flavor`, { token: admin });
  assert.equal(removed.status, 403, 'protected namespace');
  const merged = await metadefsCommand('load', dir, '--merge');
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /1 merged/);
  const m = await call(s.url, 'GET', path, { token: admin });
  assert.ok('extra' in m.body.properties, 'merge keeps what the database has');
  // --prefer-new: the file's version of an existing property wins
  const file = JSON.parse(readFileSync(join(dir, 'compute-watchdog.json'), 'utf8'));
  const key = Object.keys(file.properties)[0];
  const changed = { ...file, properties: { ...file.properties, [key]: { ...file.properties[key], title: 'Changed title' } } };
  const dir2 = mkdtempSync(join(tmpdir(), 'metadefs-changed-'));
  writeFileSync(join(dir2, 'watchdog.json'), JSON.stringify(changed));
  assert.equal((await metadefsCommand('load', dir2, '--merge')).code, 0);
  assert.notEqual((await call(s.url, 'GET', `${path}/properties/${key}`, { token: admin })).body.title, 'Changed title', 'plain merge keeps existing children');
  const preferNew = await metadefsCommand('load', dir2, '--merge', '--prefer-new');
  assert.equal(preferNew.code, 0, preferNew.stderr);
  assert.equal((await call(s.url, 'GET', `${path}/properties/${key}`, { token: admin })).body.title, 'Changed title');
  assert.equal((await metadefsCommand('load', dir2, '--prefer-new')).code, 2, '--prefer-new needs --merge');
  const over = await metadefsCommand('load', dir, '--merge', '--overwrite');
  assert.equal(over.code, 0, over.stderr);
  const o = await call(s.url, 'GET', path, { token: admin });
  assert.deepEqual(o.body.properties, JSON.parse(readFileSync(join(dir, 'compute-watchdog.json'), 'utf8')).properties);
});

test('export → unload → load gives identical API responses', async () => {
  const before = await apiView();
  const dir = mkdtempSync(join(tmpdir(), 'metadefs-export-'));
  const exp = await metadefsCommand('export', dir);
  assert.equal(exp.code, 0, exp.stderr);
  assert.equal(readdirSync(dir).length, 33);
  const un = await metadefsCommand('unload');
  assert.equal(un.code, 0, un.stderr);
  const empty = await call(s.url, 'GET', '/v2/metadefs/namespaces', { token: admin });
  assert.deepEqual(empty.body.namespaces, []);
  const load = await metadefsCommand('load', dir);
  assert.equal(load.code, 0, load.stderr);
  assert.match(load.stdout, /33 created/);
  assert.deepEqual(await apiView(), before);
});
