import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createValidationService, type CatalogSource } from '../../src/services/validation/service.js';
import type { MetadefSnapshot, NamespaceEntry } from '../../src/repositories/metadefs.js';
import { buildContext } from '../../src/authn/context.js';

const t0 = new Date(0);
function entry(values: string[], visibility: 'public' | 'private' = 'public', owner: string | null = null): NamespaceEntry {
  return {
    ns: { _id: 'ns1', namespace: 'T::NS', display_name: null, description: null, visibility, protected: false, owner, created_at: t0, updated_at: t0, version: 0 },
    properties: [{ _id: 'p1', ns_id: 'ns1', name: 'mode', def_json: JSON.stringify({ title: 'Mode', type: 'string', enum: values }), created_at: t0, updated_at: t0, version: 0 }],
    objects: [],
    tags: [],
    associations: [{ _id: 'a1', ns_id: 'ns1', resource_type: 'OS::Glance::Image', prefix: 'x_', properties_target: null, created_at: t0, updated_at: null }],
  };
}

/** A catalogue whose stamp reads the test releases one by one; each read sees the state at its start. */
class ManualSource implements CatalogSource {
  state: MetadefSnapshot = { version: 1, namespaces: new Map([['T::NS', entry(['a'])]]), resourceTypes: [] };
  reads: { resolve: (s: MetadefSnapshot) => void; seen: MetadefSnapshot }[] = [];
  snapshot(): Promise<MetadefSnapshot> {
    return new Promise((resolve) => this.reads.push({ resolve, seen: this.state }));
  }
  release(): void {
    const r = this.reads.shift()!;
    r.resolve(r.seen);
  }
}

const ctx = buildContext('req-1', { projectId: 'p', roles: ['reader'] });
const allowAll = { can: () => true };

test('a call never joins a stamp read that started before it arrived', async () => {
  const src = new ManualSource();
  const svc = createValidationService({ source: src, authz: allowAll });
  const early = svc.validate(ctx, 'OS::Glance::Image', { x_mode: 'b' });
  assert.equal(src.reads.length, 1);
  // A write returns while the first read is in flight.
  src.state = { ...src.state, version: 2, namespaces: new Map([['T::NS', entry(['a', 'b'])]]) };
  const late1 = svc.validate(ctx, 'OS::Glance::Image', { x_mode: 'b' });
  const late2 = svc.validate(ctx, 'OS::Glance::Image', { x_mode: 'b' });
  assert.equal(src.reads.length, 1, 'later calls wait for the next read instead of starting their own');
  src.release();
  assert.equal((await early).properties.x_mode.status, 'invalid', 'the early call may answer from before the write');
  await new Promise((r) => setImmediate(r));
  assert.equal(src.reads.length, 1, 'one shared read for both later calls');
  src.release();
  assert.equal((await late1).properties.x_mode.status, 'valid');
  assert.equal((await late2).properties.x_mode.status, 'valid');
  assert.equal(svc.stats().reloads, 2);
});

test('only namespaces the authorizer lets the caller read are used', async () => {
  const src = new ManualSource();
  src.state = { version: 1, namespaces: new Map([['T::NS', entry(['a'], 'private', 'other')]]), resourceTypes: [] };
  const seen: object[] = [];
  const svc = createValidationService({ source: src, authz: { can: (_c, rule, subject, doc) => (seen.push(doc), rule === 'get_metadef_namespace' && subject === 'MetadefNamespace' && (doc as { owner: string }).owner === 'p') } });
  const p = svc.validate(ctx, 'OS::Glance::Image', { x_mode: 'zzz' });
  src.release();
  assert.equal((await p).properties.x_mode.status, 'unknown');
  assert.equal((seen[0] as { namespace: string }).namespace, 'T::NS');
});

test('an unchanged catalogue is not reloaded or recompiled', async () => {
  const src = new ManualSource();
  const svc = createValidationService({ source: src, authz: allowAll });
  for (let i = 0; i < 3; i++) {
    const p = svc.validate(ctx, 'OS::Glance::Image', { x_mode: 'a' });
    src.release();
    assert.equal((await p).valid, true);
  }
  assert.deepEqual(svc.stats(), { compiles: 1, reloads: 1 });
});
