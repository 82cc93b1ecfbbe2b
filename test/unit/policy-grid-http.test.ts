/**
 * The policy test decisions are the service's: for every persona and resource of the standard
 * grid, what `decide` answers for the read and list rules is what a real server answers over
 * HTTP (show 200 or not; listed or not, with `visibility=all&member_status=all` so that only
 * the policy filter decides).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord } from '../helpers/images.js';
import { createAuthorizer, loadPolicies } from '../../src/authz/index.js';
import { decide, type Target } from '../../src/authz/policy-tests/decide.js';
import { GRID_PERSONAS, GRID_RESOURCES } from '../../src/authz/policy-tests/grid.js';
import { contextOf, documentOf, type Persona } from '../../src/authz/policy-tests/targets.js';

let s: TestServer;
/** Grid resource name → id (image) or namespace name in the server. */
const ids = new Map<string, string>();
const authz = createAuthorizer({ policies: loadPolicies(null) });

function headers(p: Persona): Record<string, string> {
  if (p.anonymous) return {};
  const h: Record<string, string> = { 'X-Identity-Status': 'Confirmed', 'X-User-Id': 'grid-user', 'X-Roles': (p.roles ?? []).join(',') };
  if (p.project) h['X-Project-Id'] = p.project;
  if (p.system_scope) h['OpenStack-System-Scope'] = p.system_scope;
  if (p.domain) h['X-Domain-Id'] = p.domain;
  return h;
}
const ADMIN = headers({ project: 'admin', roles: ['admin'] });

before(async () => {
  s = await startServer({ AUTH_MODE: 'trusted-proxy' });
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  for (const [name, r] of Object.entries(GRID_RESOURCES)) {
    if (r.type === 'image') {
      const members = Object.entries(r.members ?? {}).map(([member_id, status]) => ({ member_id, status, created_at: now, updated_at: now }));
      const img = imageRecord({ name, owner: r.owner ?? null, visibility: r.visibility as never, protected: r.protected ?? false, status: (r.status ?? 'active') as never, members });
      await s.app.services.images.repo.insertMany([img]);
      ids.set(name, img._id);
    } else {
      const ns = `OS::Grid::${name}`;
      const res = await call(s.url, 'POST', '/v2/metadefs/namespaces', { headers: ADMIN, body: { namespace: ns, owner: r.owner, visibility: r.visibility } });
      assert.equal(res.status, 201, res.text);
      ids.set(name, ns);
    }
  }
});
after(async () => s?.close());

const decided = (persona: string, rule: string, resource?: string) => {
  const ctx = contextOf(persona, GRID_PERSONAS[persona], authz);
  const r = resource === undefined ? undefined : GRID_RESOURCES[resource];
  const target: Target | undefined = r && resource ? { kind: r.type, doc: documentOf(resource, r) } : undefined;
  const d = decide(authz, ctx, rule, target);
  assert.equal(d.filterDisagreement, undefined);
  return d.allowed;
};

test('images: show and list over HTTP agree with the policy test decisions', async () => {
  let allowed = 0;
  let denied = 0;
  for (const [persona, p] of Object.entries(GRID_PERSONAS)) {
    const h = headers(p);
    const list = await call(s.url, 'GET', '/v2/images?visibility=all&member_status=all&limit=100', { headers: h });
    assert.equal(list.status === 200, decided(persona, 'get_images'), `${persona} get_images: ${list.status}`);
    const listed = new Set<string>(list.status === 200 ? list.body.images.map((i: { id: string }) => i.id) : []);
    for (const [name, r] of Object.entries(GRID_RESOURCES)) {
      if (r.type !== 'image') continue;
      const show = await call(s.url, 'GET', `/v2/images/${ids.get(name)}`, { headers: h });
      const may = decided(persona, 'get_image', name);
      assert.equal(show.status === 200, may, `${persona} get_image ${name}: ${show.status}`);
      assert.equal(listed.has(ids.get(name)!), decided(persona, 'get_images', name), `${persona} get_images ${name}`);
      if (r.visibility === 'shared') {
        // members of other visibilities are refused apart from the policy (403 "not shared")
        const members = await call(s.url, 'GET', `/v2/images/${ids.get(name)}/members`, { headers: h });
        assert.equal(members.status === 200, decided(persona, 'get_members', name), `${persona} get_members ${name}: ${members.status}`);
      }
      if (may) allowed++;
      else denied++;
    }
  }
  assert.ok(allowed > 10 && denied > 10, `${allowed} allowed, ${denied} denied`);
});

test('namespaces: show and list over HTTP agree with the policy test decisions', async () => {
  for (const [persona, p] of Object.entries(GRID_PERSONAS)) {
    const h = headers(p);
    const types = await call(s.url, 'GET', '/v2/metadefs/resource_types', { headers: h });
    assert.equal(types.status === 200, decided(persona, 'list_metadef_resource_types'), `${persona} list_metadef_resource_types: ${types.status}`);
    const list = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=1000', { headers: h });
    assert.equal(list.status === 200, decided(persona, 'get_metadef_namespaces'), `${persona} get_metadef_namespaces: ${list.status}`);
    const listed = new Set<string>(list.status === 200 ? list.body.namespaces.map((n: { namespace: string }) => n.namespace) : []);
    for (const [name, r] of Object.entries(GRID_RESOURCES)) {
      if (r.type !== 'metadef_namespace') continue;
      const show = await call(s.url, 'GET', `/v2/metadefs/namespaces/${ids.get(name)}`, { headers: h });
      assert.equal(show.status === 200, decided(persona, 'get_metadef_namespace', name), `${persona} get_metadef_namespace ${name}: ${show.status}`);
      assert.equal(listed.has(ids.get(name)!), decided(persona, 'get_metadef_namespaces', name), `${persona} get_metadef_namespaces ${name}`);
      for (const [path, rule] of [['objects', 'get_metadef_objects'], ['properties', 'get_metadef_properties'], ['tags', 'get_metadef_tags'], ['resource_types', 'get_metadef_resource_type']]) {
        const res = await call(s.url, 'GET', `/v2/metadefs/namespaces/${ids.get(name)}/${path}`, { headers: h });
        assert.equal(res.status === 200, decided(persona, rule, name), `${persona} ${rule} ${name}: ${res.status}`);
      }
    }
  }
});
