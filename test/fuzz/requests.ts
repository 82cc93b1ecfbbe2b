import fc from 'fast-check';
import { Deriver, ODD_KEYS, ODD_STRINGS, toJsonText, type MutationKind, type Schema } from './derive.js';
import type { Pools } from './seed.js';
import type { Sent } from './target.js';

/**
 * A request for one operation, from the operation's own parameters and request body schemas.
 * What fast-check generates is resolved against the pools of real names at send time, so a
 * path parameter is mostly a real resource, or a variant of one (case, encoding, length, dot
 * segments), or something that does not exist.
 */
export interface Operation {
  operationId: string;
  method: string;
  template: string;
  params: { name: string; in: string; schema: Schema; required?: boolean }[];
  body?: { required: boolean; content: Record<string, { schema?: Schema }> };
  responses: string[];
}

export function listOperations(doc: Schema): Operation[] {
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
      const op = item[method];
      if (!op) continue;
      out.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        params: [...(item.parameters ?? []), ...(op.parameters ?? [])],
        body: op.requestBody,
        responses: Object.keys(op.responses ?? {}),
      });
    }
  }
  return out;
}

/** How a path parameter is spelled: a real name as is, or a variant of it. */
const PATH_VARIANTS = ['real', 'real', 'real', 'real', 'real', 'real', 'absent', 'upper', 'lower', 'slash', 'long', 'veryLong', 'dot', 'dotdot', 'encDotdot', 'nul', 'badPercent', 'encSurrogate', 'space', 'derived'] as const;
type PathVariant = (typeof PATH_VARIANTS)[number];

interface PathChoice {
  pick: number;
  variant: PathVariant;
  derived: unknown;
}

interface Spec {
  path: Record<string, PathChoice>;
  query: [string, unknown][];
  headers: Record<string, string>;
  contentType?: string;
  body?: { kind: 'json'; value: unknown } | { kind: 'raw'; text: string } | { kind: 'bytes'; size: number; fill: number };
}

const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    // a lone surrogate: send the bytes a careless client would (CESU-8 style)
    return [...s].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
};

function pathSegment(name: string, c: PathChoice, pools: Pools): string {
  const pool = pools[name] ?? [];
  const real = pool.length ? pool[c.pick % pool.length] : 'none';
  switch (c.variant) {
    case 'real':
      return enc(real);
    case 'absent':
      return name === 'image_id' || name === 'task_id' ? '0b6c1c4e-9a8f-4b59-8c3c-5a6e7f1e2d3c' : enc(`absent-${c.pick % 100}`);
    case 'upper':
      return enc(real.toUpperCase());
    case 'lower':
      return enc(real.toLowerCase());
    case 'slash':
      return enc(real.slice(0, 4)) + '%2F' + enc(real.slice(4));
    case 'long':
      return 'L'.repeat(2000);
    case 'veryLong':
      return 'V'.repeat(12_000);
    case 'dot':
      return '.';
    case 'dotdot':
      return '..';
    case 'encDotdot':
      return '%2E%2E';
    case 'nul':
      return enc(real) + '%00';
    case 'badPercent':
      return enc(real) + '%E0%A4%A';
    case 'encSurrogate':
      return '%ED%A0%80' + enc(real);
    case 'space':
      return enc(` ${real} `);
    case 'derived':
      return enc(typeof c.derived === 'string' ? c.derived || 'e' : JSON.stringify(c.derived));
  }
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/octet-stream'];
const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch', 'application/json-patch+json', 'application/merge-patch+json', 'application/json'];
const DATA_TYPES = ['application/octet-stream', 'application/json', 'text/plain', 'application/octet-stream; charset=utf-16', 'image/x-qcow2', ''];
const RAW_BODIES = ['', '{', '[', 'null', '"text"', '42', 'true', '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\\ud800"}', '{"\\u0000":1}', '{"a":1,"a":2}', '\u0000'];

/**
 * Values for query parameters the document types only as strings (its descriptions say what
 * they hold): mostly these, sometimes whatever the schema allows. A `{ pool }` value is a
 * real name, resolved at send time.
 */
const REALISTIC: Record<string, unknown[]> = {
  limit: ['1', '2', '10', '1000', 1],
  marker: [{ pool: 'image_id' }, { pool: 'namespace' }, { pool: 'task_id' }],
  sort_key: ['name', 'created_at', 'size', 'status', 'namespace', ['name', 'id']],
  sort_dir: ['asc', 'desc', ['asc', 'desc']],
  sort: ['name:asc,created_at:desc', 'size', 'status:desc'],
  visibility: ['public', 'private', 'shared', 'community', 'all'],
  member_status: ['accepted', 'pending', 'all'],
  status: ['active', 'queued', 'pending', 'success', 'failure'],
  size_min: ['0', '100'],
  size_max: ['100000'],
  protected: ['true', 'false'],
  os_hidden: ['true', 'false'],
  created_at: ['gte:2020-01-01T00:00:00Z', 'lt:2100-01-01T00:00:00Z'],
  updated_at: ['gt:2020-01-01T00:00:00Z'],
  disk_format: ['raw', 'qcow2'],
  container_format: ['bare'],
  owner: ['project-a', 'project-b'],
  tag: ['seed', ['seed', 'fuzz']],
  resource_type: ['OS::Glance::Image', 'OS::Nova::Flavor'],
  resource_types: ['OS::Glance::Image', 'OS::Glance::Image,OS::Nova::Flavor'],
  type: ['import', 'api_image_import'],
  name: ['a-active', 'public'],
  id: [{ pool: 'image_id' }],
};

function realistic(name: string, derived: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const known = REALISTIC[name];
  return known ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: derived }) : derived;
}

/**
 * Request bodies the document leaves free-form (their shape is upstream Glance's: task inputs,
 * import methods), written out as schemas so valid requests reach the services too.
 */
const BODY_HINTS: Record<string, Schema> = {
  importImage: {
    type: 'object',
    required: ['method'],
    properties: {
      method: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { enum: ['glance-direct', 'web-download', 'copy-image', 'glance-download'] },
          uri: { enum: ['http://images.invalid/disk.raw', 'http://127.0.0.1:9/disk.raw', 'http://169.254.169.254/latest', 'file:///etc/passwd', 'ftp://example.invalid/x', 'http://[::ffff:127.0.0.1]/x'] },
        },
      },
      stores: { type: 'array', items: { enum: ['default', 'file', 'nope'] }, maxItems: 2 },
      all_stores: { type: 'boolean' },
      all_stores_must_succeed: { type: 'boolean' },
    },
  },
  createTask: {
    type: 'object',
    required: ['type', 'input'],
    properties: {
      type: { enum: ['import', 'api_image_import'] },
      input: {
        type: 'object',
        required: ['import_from', 'import_from_format', 'image_properties'],
        properties: {
          import_from: { enum: ['http://images.invalid/disk.raw', 'http://127.0.0.1:9/disk.raw', 'file:///etc/passwd', 'swift://x/y'] },
          import_from_format: { enum: ['raw', 'qcow2', ''] },
          image_properties: { type: 'object', properties: { name: { type: 'string', maxLength: 255 }, disk_format: { enum: ['raw', 'qcow2'] }, container_format: { enum: ['bare'] } }, additionalProperties: { type: 'string' } },
        },
      },
    },
  },
};

/** The arbitrary of request specs for one operation. `extra` adds schemas the document names but does not inline (the image schema). */
export function specArb(op: Operation, d: Deriver, extra: { imageSchema?: Schema }, forced?: MutationKind): fc.Arbitrary<Spec> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query' && p.name !== 'properties');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const pathArb = (odd: boolean) =>
    fc.record(
      Object.fromEntries(
        pathParams.map((p) => [p.name, fc.record({ pick: fc.nat(), variant: odd ? fc.constantFrom(...PATH_VARIANTS) : fc.constant('real' as const), derived: d.values(p.schema) })]),
      ),
    ) as fc.Arbitrary<Record<string, PathChoice>>;

  const queryArb = (odd: boolean) =>
    fc
      .tuple(
        fc
          .subarray(queryParams, { maxLength: odd ? queryParams.length : Math.min(3, queryParams.length) })
          .chain((ps) =>
            fc.tuple(...ps.map((p) => (odd ? fc.oneof(d.values(p.schema), fc.constantFrom(...ODD_STRINGS)) : realistic(p.name, d.valid(p.schema))).map((v) => [p.name, v] as [string, unknown]))),
          ),
        odd ? fc.array(fc.tuple(fc.constantFrom(...ODD_KEYS, 'os_distro', 'hw_x', 'limit', 'marker'), fc.constantFrom(...ODD_STRINGS)), { maxLength: 2 }) : fc.constant([]),
      )
      .map(([declared, more]) => [...declared, ...more] as [string, unknown][]);

  const ODD_HEADER_VALUES = ['bytes=0-0', 'bytes=5-2', 'bytes=-0', 'bytes=0-99999999999999999999', 'bytes=a-b', 'bytes=0-1,2-3', '-1', '1e30', 'true', 'file', 'x'.repeat(5000)];
  const headersArb = (odd: boolean) =>
    fc
      .subarray(headerParams)
      .chain((hs) => fc.tuple(...hs.map((h) => (odd ? fc.oneof(d.values(h.schema), fc.constantFrom(...ODD_HEADER_VALUES)) : d.valid(h.schema)).map((v) => [h.name, String(v)] as [string, string]))))
      .map((pairs) => Object.fromEntries(pairs.filter(([, v]) => !/[^\t\x20-\x7e\x80-\xff]/.test(v))));

  type Body = Pick<Spec, 'contentType' | 'body'>;
  let bodyArb: (odd: boolean) => fc.Arbitrary<Body>;
  const types = Object.keys(op.body?.content ?? {});
  if (!op.body) {
    bodyArb = (odd) => (odd ? fc.constant({ contentType: 'application/json', body: { kind: 'raw' as const, text: '{"unexpected":true}' } }) : fc.constant({}));
  } else if (types.includes('application/octet-stream')) {
    bodyArb = (odd) =>
      fc.record({
        contentType: odd ? fc.constantFrom(...DATA_TYPES) : fc.constant('application/octet-stream'),
        body: fc.record({ kind: fc.constant('bytes' as const), size: fc.constantFrom(0, 1, 511, 512, 4096, 65_537), fill: fc.nat(255) }),
      });
  } else {
    let schema = op.body.content[types[0]]?.schema;
    if (op.operationId === 'createImage' && extra.imageSchema) {
      // the body the document describes as "validated against /v2/schemas/image"; read-only attributes are the mutations' business
      const props = Object.fromEntries(Object.entries(extra.imageSchema.properties as Record<string, Schema>).filter(([k, v]) => !v.readOnly && k !== 'owner' && k !== 'locations'));
      schema = { type: 'object', properties: props, additionalProperties: { type: 'string', maxLength: 255 }, required: [] };
    }
    if (BODY_HINTS[op.operationId]) schema = BODY_HINTS[op.operationId];
    const patch = op.operationId === 'updateImage' && extra.imageSchema;
    const valid = patch ? imagePatchArb(d, extra.imageSchema!, false) : d.valid(schema);
    const mutated = forced && !patch ? d.mutatedBy(schema, forced) : patch ? imagePatchArb(d, extra.imageSchema!, true) : d.values(schema);
    if (forced && patch) {
      // the systematic pass mutates a valid patch document, not the loose document schema
      const validPatch = imagePatchArb(d, extra.imageSchema!, false);
      bodyArb = () => fc.record({ contentType: fc.constantFrom(...types), body: fc.tuple(validPatch, fc.nat()).map(([v, x]) => ({ kind: 'json' as const, value: withMutation(v, forced, x) })) });
    }
    const isPatch = types.some((t) => t.includes('json-patch'));
    if (forced && patch) {
      /* set above */
    } else if (forced) bodyArb = () => fc.record({ contentType: fc.constantFrom(...types), body: mutated.map((v) => ({ kind: 'json' as const, value: v })) });
    else bodyArb = (odd) =>
      odd
        ? fc.oneof(
            { weight: 6, arbitrary: fc.record({ contentType: fc.constantFrom(...types), body: mutated.map((v) => ({ kind: 'json' as const, value: v })) }) },
            { weight: 2, arbitrary: fc.record({ contentType: fc.constantFrom(...(isPatch ? PATCH_TYPES : JSON_TYPES)), body: valid.map((v) => ({ kind: 'json' as const, value: v })) }) },
            { weight: 1, arbitrary: fc.record({ contentType: fc.constantFrom(...types, 'application/json'), body: fc.constantFrom(...RAW_BODIES).map((text) => ({ kind: 'raw' as const, text })) }) },
          )
        : fc.record({ contentType: fc.constantFrom(...types), body: valid.map((v) => ({ kind: 'json' as const, value: v })) });
  }
  const build = (odd: 'none' | 'path' | 'query' | 'headers' | 'body') =>
    fc.tuple(pathArb(odd === 'path'), queryArb(odd === 'query'), headersArb(odd === 'headers'), bodyArb(odd === 'body')).map(([p, q, h, b]) => ({ path: p, query: q, headers: h, ...b }));
  if (forced) {
    // the systematic pass: a body mutated by one kind, or for operations without a JSON body, an odd path
    if (op.body && !types.includes('application/octet-stream')) return build('body');
    return pathParams.length ? build('path') : build('query');
  }
  // one part of the request is odd at a time, so the others do not hide it behind their 400
  return fc.oneof(
    { weight: 3, arbitrary: build('none') },
    ...(pathParams.length ? [{ weight: 2, arbitrary: build('path') }] : []),
    { weight: 1, arbitrary: build('query') },
    ...(headerParams.length ? [{ weight: 1, arbitrary: build('headers') }] : []),
    { weight: op.body ? 3 : 1, arbitrary: build('body') },
  );
}

/** A valid patch document with one odd value or key put into its first operation (the systematic pass). */
function withMutation(patch: unknown, kind: MutationKind, x: number): unknown {
  const ops = JSON.parse(JSON.stringify(patch)) as Record<string, unknown>[];
  const first = ops[0] ?? { op: 'add', path: '/custom', value: 'v' };
  const odd = ODD_STRINGS[x % ODD_STRINGS.length];
  if (kind === 'oddKey') first.path = `/${['k\u0000', 'k\ud800', '\udc00k'][x % 3]}`;
  else if (kind === 'oddString') first.value = odd;
  else if (kind === 'proto') Object.defineProperty(first, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
  else if (kind === 'wrongType') first.value = [{}, [], 1, null, true][x % 5];
  else if (kind === 'dropKey') delete first[['op', 'path', 'value'][x % 3]];
  else if (kind === 'extraKey') first[ODD_KEYS[x % ODD_KEYS.length]] = odd;
  else if (kind === 'pastMax') first.value = 'p'.repeat(70_000);
  else if (kind === 'deep') first.value = '\u0001deep\u0001' + '20000:[' + '\u0001deep\u0001';
  ops[0] = first;
  return ops;
}

/** JSON-patch documents over the image schema's own attributes, custom keys and odd paths. */
function imagePatchArb(d: Deriver, imageSchema: Schema, odd: boolean): fc.Arbitrary<unknown> {
  const props = imageSchema.properties as Record<string, Schema>;
  const names = Object.keys(props).filter((n) => !props[n].readOnly);
  const valid = fc.oneof(
    fc.constantFrom(...names).chain((n) => fc.record({ op: fc.constantFrom('add', 'replace'), path: fc.constant(`/${n}`), value: d.valid(props[n]) })),
    // custom properties: what most real patches change
    { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('add', 'replace', 'remove'), path: fc.constantFrom('/custom', '/seed_prop', '/fz_cores', '/os_distro'), value: fc.string({ maxLength: 20 }) }) },
  );
  if (!odd) return fc.array(valid, { minLength: 1, maxLength: 3 });
  const opArb = fc.oneof(
    fc.constantFrom(...names).chain((n) => fc.record({ op: fc.constantFrom('add', 'replace', 'remove'), path: fc.constant(`/${n}`), value: d.values(props[n]) })),
    fc.record({ op: fc.constantFrom('add', 'replace', 'remove'), path: fc.constantFrom('/custom', '/seed_prop', '/x~1y', '/a~2', '/', '', 'custom', '/locations/0', '/locations/-', '/tags/0', '/a/b'), value: fc.oneof(fc.string(), fc.constantFrom(...ODD_STRINGS)) }),
    fc.record({ op: fc.constantFrom('add', 'replace', 'remove', 'move', 'copy', 'test', 'ADD'), path: fc.constantFrom(...ODD_KEYS.map((k) => `/${k}`)), value: fc.constantFrom(...ODD_STRINGS) }),
  );
  return fc.oneof({ weight: 4, arbitrary: fc.array(opArb, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: d.values({ $ref: '#/components/schemas/ImagePatch' }) });
}

const bytesCache = new Map<string, Buffer>();
function bytes(size: number, fill: number): Buffer {
  const key = `${size}:${fill}`;
  let b = bytesCache.get(key);
  if (!b) {
    b = Buffer.alloc(size);
    let x = fill + 1;
    for (let i = 0; i < size; i++) b[i] = x = (x * 1103515245 + 12345) & 0xff;
    bytesCache.set(key, b);
  }
  return b;
}

/** The concrete request: the template filled from the pools, the query and body encoded. */
export function toRequest(op: Operation, spec: Spec, pools: Pools, token: string | undefined): Sent {
  const path = op.template.replace(/\{([^}]+)\}/g, (_, name: string) => pathSegment(name, spec.path[name], pools));
  const fromPool = (v: unknown, i: number) => {
    const pool = v && typeof v === 'object' && 'pool' in v ? pools[(v as { pool: string }).pool] : undefined;
    return pool ? (pool.length ? pool[i % pool.length] : '') : v;
  };
  const query = spec.query
    .map(([k, v], i) => [k, fromPool(v, i)] as const)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : [[k, v] as const]))
    .map(([k, v]) => `${enc(k)}=${enc(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`)
    .join('&');
  const headers: Record<string, string> = { ...spec.headers };
  if (token) headers['X-Auth-Token'] = token;
  let body: string | Buffer | undefined;
  if (spec.body?.kind === 'json') body = toJsonText(spec.body.value);
  else if (spec.body?.kind === 'raw') body = spec.body.text;
  else if (spec.body?.kind === 'bytes') body = bytes(spec.body.size, spec.body.fill);
  if (spec.contentType) headers['Content-Type'] = spec.contentType;
  if (headers['Content-Type'] === '') delete headers['Content-Type'];
  return { method: op.method, path: query ? `${path}?${query}` : path, headers, body };
}
