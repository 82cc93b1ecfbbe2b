import { randomBytes } from 'node:crypto';
import { send, type Answer, type Target } from './target.js';

/**
 * Real resources for path parameters to hit, and the pools of their names. Pools are
 * refreshed from listings after every batch (a fuzzed request may rename or delete what it
 * hit), and anything gone is seeded again, so every batch still finds real things.
 */
export interface Personas {
  admin: string;
  memberA: string;
  memberB: string;
  reader: string;
}

export type Pools = Record<string, string[]>;

const PATCH = 'application/openstack-images-v2.1-json-patch';

async function json(t: Target, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer & { body?: any }> {
  const a = await send(
    t.url,
    { method, path, headers: { 'X-Auth-Token': token, ...(body !== undefined ? { 'Content-Type': headers['Content-Type'] ?? 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body) },
    30_000,
  );
  let parsed: unknown;
  try {
    parsed = a.text ? JSON.parse(a.text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { ...a, body: parsed };
}

/** An image of `token`'s project; with data when `data` is given (raw, so any bytes are valid). */
async function image(t: Target, token: string, attrs: Record<string, unknown>, data?: Buffer): Promise<string | undefined> {
  const c = await json(t, 'POST', '/v2/images', token, { disk_format: 'raw', container_format: 'bare', tags: ['seed', 'fuzz'], seed_prop: 'v', ...attrs });
  if (c.status !== 201) return undefined;
  const id = c.body.id as string;
  if (data) await json(t, 'PUT', `/v2/images/${id}/file`, token, data, { 'Content-Type': 'application/octet-stream' });
  return id;
}

export async function seed(t: Target, p: Personas): Promise<void> {
  const bytes = randomBytes(4096);
  await image(t, p.memberA, { name: 'a-active' }, bytes);
  await image(t, p.memberA, { name: 'a-queued', disk_format: 'qcow2' });
  await image(t, p.memberA, { name: 'a-private', visibility: 'private' }, bytes);
  const shared = await image(t, p.memberA, { name: 'a-shared', visibility: 'shared' }, bytes);
  if (shared) {
    await json(t, 'POST', `/v2/images/${shared}/members`, p.memberA, { member: 'project-b' });
    await json(t, 'PUT', `/v2/images/${shared}/members/project-b`, p.memberB, { status: 'accepted' });
  }
  await image(t, p.memberB, { name: 'b-active' }, bytes);
  await image(t, p.memberB, { name: 'b-queued' });
  await image(t, p.admin, { name: 'public', visibility: 'public' }, bytes);
  await image(t, p.admin, { name: 'protected', visibility: 'public', protected: true }, bytes);
  // queued raw images: uploads and stages get somewhere (each one is used up by its first success)
  for (const [who, n] of [[p.memberA, 'a'], [p.memberB, 'b'], [p.admin, 'adm']] as const) for (const i of [1, 2]) await image(t, who, { name: `${n}-queued-raw-${i}` });
  const stageable = await image(t, p.memberA, { name: 'a-staged' });
  if (stageable) await json(t, 'PUT', `/v2/images/${stageable}/stage`, p.memberA, bytes, { 'Content-Type': 'application/octet-stream' });

  const children = {
    description: 'seeded',
    resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'fz_' }, { name: 'OS::Nova::Flavor' }],
    properties: { cores: { type: 'integer', title: 'Cores', minimum: 1, maximum: 64 }, mode: { type: 'string', title: 'Mode', enum: ['a', 'b'] } },
    objects: [{ name: 'Obj One', properties: { x: { type: 'string', title: 'X' } }, required: ['x'] }, { name: 'obj/two' }],
    tags: [{ name: 'tag-one' }, { name: 'tag two' }],
  };
  await json(t, 'POST', '/v2/metadefs/namespaces', p.admin, { namespace: 'Fuzz::Public', visibility: 'public', ...children });
  await json(t, 'POST', '/v2/metadefs/namespaces', p.admin, { namespace: 'Fuzz::Protected', visibility: 'public', protected: true, ...children });
  await json(t, 'POST', '/v2/metadefs/namespaces', p.admin, { namespace: 'Fuzz::Private::A', visibility: 'private', owner: 'project-a', ...children });
  await json(t, 'POST', '/v2/metadefs/namespaces', p.admin, { namespace: 'Fuzz::Private::B', visibility: 'private', owner: 'project-b', ...children });
  await json(t, 'POST', '/v2/metadefs/namespaces', p.admin, { namespace: 'Fuzz::Odd a/b', visibility: 'public', objects: [{ name: 'o' }] });
  await json(t, 'POST', '/v2/tasks', p.memberA, { type: 'import', input: { import_from: 'http://127.0.0.1:9/x', import_from_format: 'raw', image_properties: { name: 'task' } } });
  await json(t, 'PUT', `/v2/images/${shared ?? 'none'}/tags/extra`, p.memberA);
  await json(t, 'PATCH', `/v2/images/${shared ?? 'none'}`, p.memberA, [{ op: 'add', path: '/custom', value: 'c' }], { 'Content-Type': PATCH });
}

const uniq = (xs: string[]) => [...new Set(xs.filter((x) => typeof x === 'string'))];

/** Names of what exists now, by path parameter name; seeds again when a kind ran out. */
export async function refreshPools(t: Target, p: Personas, reseeded: { count: number }, again = false): Promise<Pools> {
  const images = (await json(t, 'GET', '/v2/images?limit=1000', p.admin)).body?.images ?? [];
  const nsList = (await json(t, 'GET', '/v2/metadefs/namespaces?limit=1000', p.admin)).body?.namespaces ?? [];
  const fuzzNs = nsList.map((n: any) => n.namespace as string).filter((n: string) => n.startsWith('Fuzz::'));
  if (!again && (images.filter((i: any) => i.tags?.includes('seed')).length < 4 || fuzzNs.length < 2)) {
    reseeded.count++;
    await seed(t, p);
    return refreshPools(t, p, reseeded, true);
  }
  const details = await Promise.all(fuzzNs.slice(0, 6).map((n: string) => json(t, 'GET', `/v2/metadefs/namespaces/${encodeURIComponent(n)}`, p.admin)));
  const nsBodies = details.map((d) => d.body ?? {});
  const tasks = (await json(t, 'GET', '/v2/tasks?limit=50', p.admin)).body?.tasks ?? [];
  const stores = (await json(t, 'GET', '/v2/info/stores', p.admin)).body?.stores ?? [];
  // seeded first (stable order for a seed), then anything a fuzzed request created
  const sorted = [...images].sort((a: any, b: any) => Number(!a.tags?.includes('seed')) - Number(!b.tags?.includes('seed')) || String(a.name).localeCompare(String(b.name)));
  return {
    image_id: uniq(sorted.map((i: any) => i.id)).slice(0, 24),
    // not a path parameter: what exclusions.ts needs to know
    '.not_raw': uniq(images.filter((i: any) => i.disk_format && i.disk_format !== 'raw').map((i: any) => String(i.id).toLowerCase())),
    tag: uniq(['seed', 'fuzz', 'extra', ...sorted.flatMap((i: any) => i.tags ?? [])]).slice(0, 8),
    member_id: ['project-b', 'project-a', 'project-c'],
    namespace: fuzzNs,
    object_name: uniq(nsBodies.flatMap((n: any) => (n.objects ?? []).map((o: any) => o.name))),
    property_name: uniq(nsBodies.flatMap((n: any) => Object.keys(n.properties ?? {}))),
    tag_name: uniq(nsBodies.flatMap((n: any) => (n.tags ?? []).map((x: any) => x.name))),
    resource_type: uniq(['OS::Glance::Image', 'OS::Nova::Flavor', 'OS::Cinder::Volume', ...nsBodies.flatMap((n: any) => (n.resource_type_associations ?? []).map((r: any) => r.name))]),
    task_id: uniq(tasks.map((x: any) => x.id)),
    store_id: uniq(stores.map((s: any) => s.id)),
  };
}
