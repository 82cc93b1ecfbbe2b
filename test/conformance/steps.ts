/**
 * The scripted requests the differential lane sends to upstream Glance and to this service,
 * in order, as the same Keystone users. `{name}` in a path, header or body is replaced by the
 * value each service produced earlier (`save`), so both run the same scenario with their own ids.
 */
export interface Step {
  name: string;
  /** Keystone user whose token is sent; null sends none. */
  as: string | null;
  method: string;
  path: string;
  body?: unknown;
  /** Raw bytes (image data) instead of a JSON body. */
  data?: Buffer;
  headers?: Record<string, string>;
  /** Variables to remember from the JSON answer: name → dotted path (e.g. `id`, `images.0.id`). */
  save?: Record<string, string>;
  /** Poll the image `{var}` until its status is one of these (each service on its own) before the next step. */
  waitFor?: { image: string; status: string[]; stores?: string };
  /** Compare only status and headers (e.g. lists whose content other steps already cover). */
  ignoreBody?: boolean;
}

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const JSON_ERR = { Accept: 'application/json' };

/** 3 KiB of deterministic bytes. */
export const IMAGE_BYTES = Buffer.from(Array.from({ length: 3072 }, (_, i) => (i * 31 + 7) % 251));
export const STAGED_BYTES = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 17 + 3) % 253));

export function steps(webUrl: string): Step[] {
  const out: Step[] = [];
  const s = (name: string, as: string | null, req: string, body?: unknown, more: Partial<Step> = {}) => {
    const [method, path] = req.split(' ');
    out.push({ name, as, method, path, ...(body !== undefined ? { body } : {}), ...more });
  };

  // ---- versions and discovery ----------------------------------------------------------------
  s('versions: root', null, 'GET /');
  s('versions: /versions', null, 'GET /versions');
  s('versions: unknown version', null, 'GET /v9/images');
  s('auth: no token', null, 'GET /v2/images', undefined, { headers: JSON_ERR });
  s('auth: bad token', null, 'GET /v2/images', undefined, { headers: { ...JSON_ERR, 'X-Auth-Token': 'not-a-token' } });
  s('info: import', 'alpha-member', 'GET /v2/info/import');
  s('info: stores', 'alpha-member', 'GET /v2/info/stores');
  s('info: stores detail as member', 'alpha-member', 'GET /v2/info/stores/detail', undefined, { headers: JSON_ERR });
  s('info: usage', 'alpha-member', 'GET /v2/info/usage', undefined, { ignoreBody: true });

  // ---- schemas -----------------------------------------------------------------------------
  for (const name of ['image', 'images', 'member', 'members', 'task', 'tasks']) s(`schema: ${name}`, 'alpha-reader', `GET /v2/schemas/${name}`);
  for (const name of ['namespace', 'namespaces', 'object', 'objects', 'property', 'properties', 'tag', 'tags', 'resource_type', 'resource_types']) {
    s(`schema: metadefs/${name}`, 'alpha-reader', `GET /v2/schemas/metadefs/${name}`);
  }

  // ---- images: create, show, refusals --------------------------------------------------------
  s('image create: private raw', 'alpha-member', 'POST /v2/images', { name: 'conf-a', disk_format: 'raw', container_format: 'bare', tags: ['t1', 't2'], min_ram: 1, foo: 'bar' }, { save: { img1: 'id' } });
  s('image create: shared qcow2', 'alpha-member', 'POST /v2/images', { name: 'conf-b', visibility: 'shared', disk_format: 'qcow2', container_format: 'bare' }, { save: { img2: 'id' } });
  s('image create: for staging', 'alpha-member', 'POST /v2/images', { name: 'conf-c', disk_format: 'raw', container_format: 'bare' }, { save: { img3: 'id' } });
  s('image create: for web-download', 'alpha-member', 'POST /v2/images', { name: 'conf-d', disk_format: 'raw', container_format: 'bare', visibility: 'community' }, { save: { img4: 'id' } });
  s('image create: protected', 'alpha-member', 'POST /v2/images', { name: 'conf-p', protected: true }, { save: { imgp: 'id' } });
  s('image create: with id', 'alpha-member', 'POST /v2/images', { id: '5a1f0c1e-1b2d-4c3e-8f40-000000000001', name: 'conf-id' }, { save: { imgid: 'id' } });
  s('image create: duplicate id', 'alpha-member', 'POST /v2/images', { id: '5a1f0c1e-1b2d-4c3e-8f40-000000000001', name: 'again' }, { headers: JSON_ERR });
  s('image create: public as member', 'alpha-member', 'POST /v2/images', { name: 'nope', visibility: 'public' }, { headers: JSON_ERR });
  s('image create: bad disk_format', 'alpha-member', 'POST /v2/images', { name: 'nope', disk_format: 'floppy' }, { headers: JSON_ERR });
  s('image create: negative min_ram', 'alpha-member', 'POST /v2/images', { name: 'nope', min_ram: -1 }, { headers: JSON_ERR });
  s('image create: read-only status', 'alpha-member', 'POST /v2/images', { name: 'nope', status: 'active' }, { headers: JSON_ERR });
  s('image create: bad id', 'alpha-member', 'POST /v2/images', { id: 'not-a-uuid' }, { headers: JSON_ERR });
  s('image create: name too long', 'alpha-member', 'POST /v2/images', { name: 'x'.repeat(256) }, { headers: JSON_ERR });
  s('image create: reader', 'alpha-reader', 'POST /v2/images', { name: 'nope' }, { headers: JSON_ERR });
  s('image create: malformed JSON', 'alpha-member', 'POST /v2/images', undefined, { data: Buffer.from('{"name": '), headers: { ...JSON_ERR, 'Content-Type': 'application/json' } });
  s('image show', 'alpha-member', 'GET /v2/images/{img1}');
  s('image show: reader', 'alpha-reader', 'GET /v2/images/{img1}');
  s('image show: other project', 'beta-member', 'GET /v2/images/{img1}', undefined, { headers: JSON_ERR });
  s('image show: unknown', 'alpha-member', 'GET /v2/images/00000000-0000-4000-8000-000000000000', undefined, { headers: JSON_ERR });
  s('image show: HTML error', 'alpha-member', 'GET /v2/images/00000000-0000-4000-8000-000000000000', undefined, { headers: { Accept: '*/*' } });
  s('image show: plain-text error', 'alpha-member', 'GET /v2/images/00000000-0000-4000-8000-000000000000', undefined, { headers: { Accept: 'text/plain' } });
  s('image show: not a uuid', 'alpha-member', 'GET /v2/images/nope', undefined, { headers: JSON_ERR });
  s('image: method not allowed', 'alpha-member', 'POST /v2/images/{img1}', {}, { headers: JSON_ERR });

  // ---- list, filters, sorting, paging --------------------------------------------------------
  s('list: default order', 'alpha-member', 'GET /v2/images', undefined, { save: { first: 'images.0.id', second: 'images.1.id' } });
  s('list: limit 2', 'alpha-member', 'GET /v2/images?limit=2');
  s('list: after marker', 'alpha-member', 'GET /v2/images?limit=2&marker={second}');
  s('list: unknown marker', 'alpha-member', 'GET /v2/images?marker=00000000-0000-4000-8000-000000000000', undefined, { headers: JSON_ERR });
  s('list: name filter', 'alpha-member', 'GET /v2/images?name=conf-a');
  s('list: visibility shared', 'alpha-member', 'GET /v2/images?visibility=shared');
  s('list: visibility community', 'alpha-member', 'GET /v2/images?visibility=community');
  s('list: visibility all', 'alpha-member', 'GET /v2/images?visibility=all&sort_key=name&sort_dir=asc');
  s('list: bad visibility', 'alpha-member', 'GET /v2/images?visibility=nope', undefined, { headers: JSON_ERR });
  s('list: tag filter', 'alpha-member', 'GET /v2/images?tag=t1');
  s('list: two tags', 'alpha-member', 'GET /v2/images?tag=t1&tag=t2');
  s('list: status filter', 'alpha-member', 'GET /v2/images?status=queued&sort_key=name&sort_dir=asc');
  s('list: disk_format filter', 'alpha-member', 'GET /v2/images?disk_format=raw&sort_key=name&sort_dir=desc');
  s('list: extra property filter', 'alpha-member', 'GET /v2/images?foo=bar');
  s('list: protected filter', 'alpha-member', 'GET /v2/images?protected=true');
  s('list: name in', 'alpha-member', 'GET /v2/images?name=in:conf-a,conf-b&sort=name:asc');
  s('list: sort by name asc', 'alpha-member', 'GET /v2/images?sort_key=name&sort_dir=asc');
  s('list: sort=name:desc,created_at', 'alpha-member', 'GET /v2/images?sort=name:desc,created_at');
  s('list: sort by size', 'alpha-member', 'GET /v2/images?sort_key=size&sort_key=name&sort_dir=asc&sort_dir=asc');
  s('list: bad sort key', 'alpha-member', 'GET /v2/images?sort_key=nope', undefined, { headers: JSON_ERR });
  s('list: bad sort dir', 'alpha-member', 'GET /v2/images?sort_dir=up', undefined, { headers: JSON_ERR });
  s('list: negative limit', 'alpha-member', 'GET /v2/images?limit=-1', undefined, { headers: JSON_ERR });
  s('list: created_at filter', 'alpha-member', 'GET /v2/images?created_at=gte:2000-01-01T00:00:00Z&sort_key=name&sort_dir=asc');
  s('list: bad created_at', 'alpha-member', 'GET /v2/images?created_at=yesterday', undefined, { headers: JSON_ERR });
  s('list: min_ram', 'alpha-member', 'GET /v2/images?min_ram=1');
  s('list: os_hidden', 'alpha-member', 'GET /v2/images?os_hidden=true');
  s('list: other project', 'beta-member', 'GET /v2/images');
  s('list: admin sees all', 'admin', 'GET /v2/images?owner={alpha}&sort_key=name&sort_dir=asc');

  // ---- patch -------------------------------------------------------------------------------
  s('patch: replace name', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/name', value: 'conf-a2' }], { headers: PATCH });
  s('patch: add property', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'add', path: '/hw_disk_bus', value: 'scsi' }], { headers: PATCH });
  s('patch: remove property', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'remove', path: '/foo' }], { headers: PATCH });
  s('patch: remove missing property', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'remove', path: '/nope' }], { headers: { ...PATCH, ...JSON_ERR } });
  s('patch: replace tags', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/tags', value: ['t1', 't3'] }], { headers: PATCH });
  s('patch: min_disk', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/min_disk', value: 2 }], { headers: PATCH });
  s('patch: read-only status', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/status', value: 'active' }], { headers: { ...PATCH, ...JSON_ERR } });
  s('patch: bad op', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'jump', path: '/name', value: 'x' }], { headers: { ...PATCH, ...JSON_ERR } });
  s('patch: wrong media type', 'alpha-member', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/name', value: 'x' }], { headers: JSON_ERR });
  s('patch: other project', 'beta-member', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/name', value: 'x' }], { headers: { ...PATCH, ...JSON_ERR } });
  s('patch: reader', 'alpha-reader', 'PATCH /v2/images/{img1}', [{ op: 'replace', path: '/name', value: 'x' }], { headers: { ...PATCH, ...JSON_ERR } });
  s('patch: v2.0 media type', 'alpha-member', 'PATCH /v2/images/{img1}', [{ replace: '/os_distro', value: 'debian' }], { headers: { 'Content-Type': 'application/openstack-images-v2.0-json-patch' } });

  // ---- tags --------------------------------------------------------------------------------
  s('tag: add', 'alpha-member', 'PUT /v2/images/{img1}/tags/extra');
  s('tag: add again', 'alpha-member', 'PUT /v2/images/{img1}/tags/extra');
  s('tag: delete', 'alpha-member', 'DELETE /v2/images/{img1}/tags/extra');
  s('tag: delete missing', 'alpha-member', 'DELETE /v2/images/{img1}/tags/extra', undefined, { headers: JSON_ERR });
  s('tag: show after', 'alpha-member', 'GET /v2/images/{img1}');

  // ---- members and visibility --------------------------------------------------------------
  s('members: add to private image', 'alpha-member', 'POST /v2/images/{img1}/members', { member: '{beta}' }, { headers: JSON_ERR });
  s('members: add', 'alpha-member', 'POST /v2/images/{img2}/members', { member: '{beta}' });
  s('members: add twice', 'alpha-member', 'POST /v2/images/{img2}/members', { member: '{beta}' }, { headers: JSON_ERR });
  s('members: list', 'alpha-member', 'GET /v2/images/{img2}/members');
  s('members: show', 'alpha-member', 'GET /v2/images/{img2}/members/{beta}');
  s('members: pending image hidden from list', 'beta-member', 'GET /v2/images');
  s('members: pending listed with member_status', 'beta-member', 'GET /v2/images?member_status=pending');
  s('members: owner cannot accept', 'alpha-member', 'PUT /v2/images/{img2}/members/{beta}', { status: 'accepted' }, { headers: JSON_ERR });
  s('members: accept', 'beta-member', 'PUT /v2/images/{img2}/members/{beta}', { status: 'accepted' });
  s('members: bad status', 'beta-member', 'PUT /v2/images/{img2}/members/{beta}', { status: 'maybe' }, { headers: JSON_ERR });
  s('members: accepted image listed', 'beta-member', 'GET /v2/images');
  s('members: member shows image', 'beta-member', 'GET /v2/images/{img2}');
  s('members: member sees own row', 'beta-member', 'GET /v2/images/{img2}/members');
  s('members: unknown member', 'alpha-member', 'GET /v2/images/{img2}/members/nobody', undefined, { headers: JSON_ERR });
  s('members: delete', 'alpha-member', 'DELETE /v2/images/{img2}/members/{beta}');
  s('members: gone after delete', 'beta-member', 'GET /v2/images/{img2}', undefined, { headers: JSON_ERR });
  s('visibility: community listed only on request', 'beta-member', 'GET /v2/images?visibility=community');
  s('visibility: community shown', 'beta-member', 'GET /v2/images/{img4}');

  // ---- data --------------------------------------------------------------------------------
  s('data: download before upload', 'alpha-member', 'GET /v2/images/{img1}/file');
  s('data: upload wrong type', 'alpha-member', 'PUT /v2/images/{img1}/file', undefined, { data: IMAGE_BYTES, headers: { ...JSON_ERR, 'Content-Type': 'text/plain' } });
  s('data: upload', 'alpha-member', 'PUT /v2/images/{img1}/file', undefined, { data: IMAGE_BYTES, headers: { 'Content-Type': 'application/octet-stream' } });
  s('data: image active', 'alpha-member', 'GET /v2/images/{img1}');
  s('data: upload again', 'alpha-member', 'PUT /v2/images/{img1}/file', undefined, { data: IMAGE_BYTES, headers: { ...JSON_ERR, 'Content-Type': 'application/octet-stream' } });
  s('data: download', 'alpha-member', 'GET /v2/images/{img1}/file');
  s('data: download as reader', 'alpha-reader', 'GET /v2/images/{img1}/file');
  s('data: range', 'alpha-member', 'GET /v2/images/{img1}/file', undefined, { headers: { Range: 'bytes=100-199' } });
  s('data: suffix range', 'alpha-member', 'GET /v2/images/{img1}/file', undefined, { headers: { Range: 'bytes=-10' } });
  s('data: open range', 'alpha-member', 'GET /v2/images/{img1}/file', undefined, { headers: { Range: 'bytes=3000-' } });
  s('data: range beyond the end', 'alpha-member', 'GET /v2/images/{img1}/file', undefined, { headers: { ...JSON_ERR, Range: 'bytes=5000-6000' } });
  s('data: content-range request header', 'alpha-member', 'GET /v2/images/{img1}/file', undefined, { headers: { 'Content-Range': 'bytes 0-9/3072' } });
  s('data: HEAD with range', 'alpha-member', 'HEAD /v2/images/{img1}/file', undefined, { headers: { Range: 'bytes=0-9' } });
  s('data: stores after upload', 'alpha-member', 'GET /v2/images/{img1}');

  // ---- import: glance-direct, web-download, copy-image, tasks -------------------------------
  s('stage: data', 'alpha-member', 'PUT /v2/images/{img3}/stage', undefined, { data: STAGED_BYTES, headers: { 'Content-Type': 'application/octet-stream' } });
  s('stage: image uploading', 'alpha-member', 'GET /v2/images/{img3}');
  s('import: unknown method', 'alpha-member', 'POST /v2/images/{img3}/import', { method: { name: 'teleport' } }, { headers: JSON_ERR });
  s('import: unknown store', 'alpha-member', 'POST /v2/images/{img3}/import', { method: { name: 'glance-direct' }, stores: ['nowhere'] }, { headers: JSON_ERR });
  s('import: glance-direct', 'alpha-member', 'POST /v2/images/{img3}/import', { method: { name: 'glance-direct' } }, { waitFor: { image: 'img3', status: ['active', 'killed'] } });
  s('import: glance-direct done', 'alpha-member', 'GET /v2/images/{img3}');
  s('import: glance-direct data', 'alpha-member', 'GET /v2/images/{img3}/file');
  s('import: tasks of image', 'alpha-member', 'GET /v2/images/{img3}/tasks', undefined, { save: { task1: 'tasks.0.id' } });
  s('import: web-download', 'alpha-member', 'POST /v2/images/{img4}/import', { method: { name: 'web-download', uri: `${webUrl}/disk.raw` } }, { waitFor: { image: 'img4', status: ['active', 'killed'] } });
  s('import: web-download done', 'alpha-member', 'GET /v2/images/{img4}');
  s('import: web-download data', 'alpha-member', 'GET /v2/images/{img4}/file');
  s('import: copy-image as member', 'alpha-member', 'POST /v2/images/{img1}/import', { method: { name: 'copy-image' }, stores: ['slow'] }, { headers: JSON_ERR });
  s('import: copy-image', 'admin', 'POST /v2/images/{img1}/import', { method: { name: 'copy-image' }, stores: ['slow'] }, { waitFor: { image: 'img1', status: ['active'], stores: 'fast,slow' } });
  s('import: copied to both stores', 'alpha-member', 'GET /v2/images/{img1}');
  s('import: into an active image', 'alpha-member', 'POST /v2/images/{img1}/import', { method: { name: 'glance-direct' } }, { headers: JSON_ERR });
  s('tasks: show', 'alpha-member', 'GET /v2/tasks/{task1}');
  s('tasks: list', 'admin', 'GET /v2/tasks', undefined, { ignoreBody: true });
  s('tasks: unknown', 'admin', 'GET /v2/tasks/00000000-0000-4000-8000-000000000000', undefined, { headers: JSON_ERR });
  s('stores: delete from one store', 'admin', 'DELETE /v2/stores/slow/{img1}');
  s('stores: after delete', 'alpha-member', 'GET /v2/images/{img1}');
  s('stores: delete from a store without it', 'admin', 'DELETE /v2/stores/slow/{img1}', undefined, { headers: JSON_ERR });
  s('image create: multi-store header', 'alpha-member', 'POST /v2/images', { name: 'conf-e', disk_format: 'raw', container_format: 'bare' }, { save: { img5: 'id' } });
  s('data: upload to a named store', 'alpha-member', 'PUT /v2/images/{img5}/file', undefined, { data: IMAGE_BYTES, headers: { 'Content-Type': 'application/octet-stream', 'X-Image-Meta-Store': 'slow' } });
  s('data: stored where asked', 'alpha-member', 'GET /v2/images/{img5}');

  // ---- actions and delete ------------------------------------------------------------------
  s('deactivate: as member', 'alpha-member', 'POST /v2/images/{img1}/actions/deactivate', undefined, { headers: JSON_ERR });
  s('deactivate', 'admin', 'POST /v2/images/{img1}/actions/deactivate');
  s('deactivate: download refused', 'alpha-member', 'GET /v2/images/{img1}/file', undefined, { headers: JSON_ERR });
  s('deactivate: admin downloads', 'admin', 'GET /v2/images/{img1}/file', undefined, { headers: JSON_ERR });
  s('reactivate', 'admin', 'POST /v2/images/{img1}/actions/reactivate');
  s('reactivate: queued image', 'admin', 'POST /v2/images/{imgid}/actions/reactivate', undefined, { headers: JSON_ERR });
  s('delete: protected', 'alpha-member', 'DELETE /v2/images/{imgp}', undefined, { headers: JSON_ERR });
  s('delete: other project', 'beta-member', 'DELETE /v2/images/{img2}', undefined, { headers: JSON_ERR });
  s('delete', 'alpha-member', 'DELETE /v2/images/{img2}');
  s('delete: gone', 'alpha-member', 'GET /v2/images/{img2}', undefined, { headers: JSON_ERR });
  s('delete: twice', 'alpha-member', 'DELETE /v2/images/{img2}', undefined, { headers: JSON_ERR });

  // ---- metadefs: the standard corpus ------------------------------------------------------
  const NS = '/v2/metadefs/namespaces';
  s('metadefs: namespaces first page', 'alpha-member', `GET ${NS}?limit=5&sort_key=namespace&sort_dir=asc`, undefined, { save: { ns5: 'namespaces.4.namespace' } });
  s('metadefs: namespaces next page', 'alpha-member', `GET ${NS}?limit=5&sort_key=namespace&sort_dir=asc&marker={ns5}`);
  s('metadefs: namespaces all', 'alpha-member', `GET ${NS}?limit=100&sort_key=namespace&sort_dir=asc`);
  s('metadefs: namespaces by resource type', 'alpha-member', `GET ${NS}?resource_types=OS::Glance::Image&sort_key=namespace&sort_dir=asc`);
  s('metadefs: namespaces bad sort key', 'alpha-member', `GET ${NS}?sort_key=nope`, undefined, { headers: JSON_ERR });
  s('metadefs: namespace', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning`);
  s('metadefs: namespace with prefix', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning?resource_type=OS::Glance::Image`);
  s('metadefs: namespace with objects', 'alpha-member', `GET ${NS}/OS::Software::DBMS`);
  s('metadefs: properties', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning/properties`);
  s('metadefs: property', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning/properties/cpu_policy`);
  s('metadefs: property by prefixed name', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning/properties/hw_cpu_policy?resource_type=OS::Glance::Image`);
  s('metadefs: property unknown', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning/properties/nope`, undefined, { headers: JSON_ERR });
  s('metadefs: objects', 'alpha-member', `GET ${NS}/OS::Software::DBMS/objects`);
  s('metadefs: object', 'alpha-member', `GET ${NS}/OS::Software::DBMS/objects/MySQL`);
  s('metadefs: resource types', 'alpha-member', 'GET /v2/metadefs/resource_types');
  s('metadefs: associations', 'alpha-member', `GET ${NS}/OS::Compute::CPUPinning/resource_types`);
  s('metadefs: unknown namespace', 'alpha-member', `GET ${NS}/No::Such`, undefined, { headers: JSON_ERR });
  s('metadefs: create as member', 'alpha-member', `POST ${NS}`, { namespace: 'Conf::Denied' }, { headers: JSON_ERR });

  // ---- metadefs: a namespace's life ---------------------------------------------------------
  const C = `${NS}/Conf::NS`;
  s('metadefs: create namespace', 'alpha-admin', `POST ${NS}`, {
    namespace: 'Conf::NS',
    display_name: 'Conformance',
    description: 'A namespace of the differential lane',
    visibility: 'public',
    protected: true,
    resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'conf_' }],
    properties: { speed: { type: 'integer', title: 'Speed', minimum: 1 } },
    objects: [{ name: 'Thing', description: 'An object', properties: { size: { type: 'string', title: 'Size', enum: ['s', 'm'] } } }],
    tags: [{ name: 'alpha' }, { name: 'beta' }],
  });
  s('metadefs: create duplicate', 'alpha-admin', `POST ${NS}`, { namespace: 'Conf::NS' }, { headers: JSON_ERR });
  s('metadefs: create bad name', 'alpha-admin', `POST ${NS}`, { namespace: 'x'.repeat(81) }, { headers: JSON_ERR });
  s('metadefs: show created', 'alpha-member', C);
  s('metadefs: update namespace', 'alpha-admin', `PUT ${C}`, { namespace: 'Conf::NS', display_name: 'Conformance 2', visibility: 'public', protected: true });
  s('metadefs: show updated', 'alpha-member', C);
  s('metadefs: object create', 'alpha-admin', `POST ${C}/objects`, { name: 'Other', properties: { n: { type: 'integer', title: 'N' } }, required: ['n'] });
  s('metadefs: object create no required', 'alpha-admin', `POST ${C}/objects`, { name: 'Third', properties: {} });
  s('metadefs: object show', 'alpha-member', `GET ${C}/objects/Thing`);
  s('metadefs: object update', 'alpha-admin', `PUT ${C}/objects/Thing`, { name: 'Thing', description: 'Changed', properties: {} });
  s('metadefs: objects list', 'alpha-member', `GET ${C}/objects`);
  s('metadefs: object delete', 'alpha-admin', `DELETE ${C}/objects/Third`);
  s('metadefs: property create', 'alpha-admin', `POST ${C}/properties`, { name: 'colour', type: 'string', title: 'Colour', enum: ['red', 'blue'] });
  s('metadefs: property create invalid', 'alpha-admin', `POST ${C}/properties`, { name: 'bad', type: 'nonsense', title: 'Bad' }, { headers: JSON_ERR });
  s('metadefs: property show', 'alpha-member', `GET ${C}/properties/colour`);
  s('metadefs: property show prefixed', 'alpha-member', `GET ${C}/properties/conf_colour?resource_type=OS::Glance::Image`);
  s('metadefs: property update', 'alpha-admin', `PUT ${C}/properties/colour`, { name: 'colour', type: 'string', title: 'Colour', enum: ['red', 'green'] });
  s('metadefs: properties list', 'alpha-member', `GET ${C}/properties`);
  s('metadefs: property delete', 'alpha-admin', `DELETE ${C}/properties/colour`);
  s('metadefs: tag create', 'alpha-admin', `POST ${C}/tags/gamma`);
  s('metadefs: tag create duplicate', 'alpha-admin', `POST ${C}/tags/gamma`, undefined, { headers: JSON_ERR });
  s('metadefs: tag show', 'alpha-member', `GET ${C}/tags/gamma`);
  s('metadefs: tag rename', 'alpha-admin', `PUT ${C}/tags/gamma`, { name: 'delta' });
  s('metadefs: tags list', 'alpha-member', `GET ${C}/tags`);
  s('metadefs: tags bulk append', 'alpha-admin', `POST ${C}/tags`, { tags: [{ name: 'epsilon' }, { name: 'zeta' }] }, { headers: { 'X-Openstack-Append': 'True' } });
  s('metadefs: tags bulk replace', 'alpha-admin', `POST ${C}/tags`, { tags: [{ name: 'eta' }, { name: 'theta' }] });
  s('metadefs: tags bulk empty', 'alpha-admin', `POST ${C}/tags`, { tags: [] });
  s('metadefs: tags after bulk', 'alpha-member', `GET ${C}/tags`);
  s('metadefs: tags bulk duplicate', 'alpha-admin', `POST ${C}/tags`, { tags: [{ name: 'x' }, { name: 'x' }] }, { headers: JSON_ERR });
  s('metadefs: tag delete (protected)', 'alpha-admin', `DELETE ${C}/tags/eta`, undefined, { headers: JSON_ERR });
  s('metadefs: delete (protected)', 'alpha-admin', `DELETE ${C}`, undefined, { headers: JSON_ERR });
  s('metadefs: association create', 'alpha-admin', `POST ${C}/resource_types`, { name: 'OS::Nova::Flavor', prefix: 'conf:' });
  s('metadefs: association duplicate', 'alpha-admin', `POST ${C}/resource_types`, { name: 'OS::Nova::Flavor', prefix: 'conf:' }, { headers: JSON_ERR });
  s('metadefs: associations list', 'alpha-member', `GET ${C}/resource_types`);
  s('metadefs: association delete', 'alpha-admin', `DELETE ${C}/resource_types/OS::Nova::Flavor`);
  s('metadefs: unprotect', 'alpha-admin', `PUT ${C}`, { namespace: 'Conf::NS', visibility: 'public', protected: false });
  s('metadefs: tag delete', 'alpha-admin', `DELETE ${C}/tags/eta`);
  s('metadefs: tags delete all', 'alpha-admin', `DELETE ${C}/tags`);
  s('metadefs: objects delete all', 'alpha-admin', `DELETE ${C}/objects`);
  s('metadefs: properties delete all', 'alpha-admin', `DELETE ${C}/properties`);
  s('metadefs: show emptied', 'alpha-member', C);
  s('metadefs: delete namespace', 'alpha-admin', `DELETE ${C}`);
  s('metadefs: deleted', 'alpha-member', C, undefined, { headers: JSON_ERR });
  return out.map((st) => (st.path === undefined ? { ...st, method: 'GET', path: st.method } : st));
}
