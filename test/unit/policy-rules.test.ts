/**
 * Every default rule for the personas of glance-authz.md §3, evaluated directly against documents.
 * ADM admin on another project; OM / OR member / reader on the owner project; SA / SP member of Q
 * on an image shared with Q (accepted / pending: the row status never gates access); NS member of
 * Q on an image Q cannot see; CM member of Q on a community image; AN anonymous.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizer, loadPolicies, BASE_RULES, type PolicyRule } from '../../src/authz/index.js';
import { anonymousContext, buildContext, type RequestContext } from '../../src/authn/context.js';

const authz = createAuthorizer();
const O = 'owner-project';
const Q = 'other-project';

const ctx = {
  ADM: buildContext('r', { projectId: 'admin-project', roles: ['admin'] }),
  OM: buildContext('r', { projectId: O, roles: ['member'] }),
  OR: buildContext('r', { projectId: O, roles: ['reader'] }),
  SA: buildContext('r', { projectId: Q, roles: ['member'] }),
  SP: buildContext('r', { projectId: Q, roles: ['member'] }),
  NS: buildContext('r', { projectId: Q, roles: ['member'] }),
  CM: buildContext('r', { projectId: Q, roles: ['member'] }),
  AN: anonymousContext('r'),
} satisfies Record<string, RequestContext>;
type Persona = keyof typeof ctx;
const PERSONAS = Object.keys(ctx) as Persona[];

const image = (visibility: string, member_projects: string[] = []) => ({ _id: 'img', owner: O, visibility, status: 'active', protected: false, member_projects });
/** The image each persona acts on. */
const imageFor: Record<Persona, object> = {
  ADM: image('shared', [Q]),
  OM: image('shared', [Q]),
  OR: image('shared', [Q]),
  SA: image('shared', [Q]),
  SP: image('shared', [Q]),
  NS: image('private'),
  CM: image('community'),
  AN: image('public'),
};

// Columns: ADM OM OR SA SP NS CM AN (1 = allowed).
const IMAGE_RULES: Partial<Record<PolicyRule, string>> = {
  get_image: '11111010',
  download_image: '11011010',
  download_from_store: '11011010',
  modify_image: '11000000',
  publicize_image: '10000000',
  communitize_image: '11000000',
  delete_image: '11000000',
  deactivate: '11000000',
  reactivate: '11000000',
  copy_image: '10000000',
  upload_image: '11000000',
  set_image_location: '11000000',
  delete_image_location: '10000000',
  get_image_location: '11100000',
  add_image_location: '11000000',
  fetch_image_location: '10000000',
  add_member: '11000000',
  delete_member: '11000000',
  get_member: '11111000',
  get_members: '11111000',
  modify_member: '10011000',
  cache_image: '10000000',
  cache_delete: '10000000',
};

// Rules judged without a document (list/create/global targets {project_id: caller's project}).
const GLOBAL_RULES: Partial<Record<PolicyRule, string>> = {
  get_images: '11111110',
  manage_image_cache: '10000000',
  cache_list: '10000000',
  cache_clean: '10000000',
  cache_prune: '10000000',
  list_cached_nodes: '10000000',
  tasks_api_access: '10000000',
  get_task: '11111111',
  get_tasks: '11111111',
  add_task: '11111111',
  modify_task: '11111111',
  stores_info_detail: '10000000',
  get_metadef_namespaces: '11111110',
  list_metadef_resource_types: '11111110',
  add_metadef_namespace: '10000000',
};

const expected = (row: string, p: Persona) => row[PERSONAS.indexOf(p)] === '1';

const rows = (table: Partial<Record<PolicyRule, string>>) => Object.entries(table) as [PolicyRule, string][];

for (const [rule, row] of rows(IMAGE_RULES)) {
  test(`image rule ${rule}: ${row}`, () => {
    for (const p of PERSONAS) assert.equal(authz.can(ctx[p], rule, 'Image', imageFor[p]), expected(row, p), `${rule} for ${p}`);
  });
}

for (const [rule, row] of rows(GLOBAL_RULES)) {
  test(`global rule ${rule}: ${row}`, () => {
    for (const p of PERSONAS) assert.equal(authz.can(ctx[p], rule, 'Global'), expected(row, p), `${rule} for ${p}`);
  });
}

test('add_image: members create in their own project only; admin any owner; readers and anonymous never', () => {
  for (const p of PERSONAS) {
    const own = { owner: ctx[p].projectId, visibility: 'private' };
    assert.equal(authz.can(ctx[p], 'add_image', 'Image', own), ['ADM', 'OM', 'SA', 'SP', 'NS', 'CM'].includes(p), p);
  }
  assert.equal(authz.can(ctx.OM, 'add_image', 'Image', { owner: Q, visibility: 'private' }), false);
  assert.equal(authz.can(ctx.ADM, 'add_image', 'Image', { owner: Q, visibility: 'private' }), true);
  assert.equal(authz.can(ctx.ADM, 'add_image', 'Image', { owner: null, visibility: 'private' }), true);
  assert.equal(authz.can(ctx.OM, 'add_image', 'Image', { owner: null, visibility: 'private' }), false);
});

test('membership is what lets SA/SP see a shared image: without a row (NS on shared) it is hidden', () => {
  const noRow = image('shared', ['someone-else']);
  assert.equal(authz.can(ctx.NS, 'get_image', 'Image', noRow), false);
  assert.equal(authz.can(ctx.NS, 'download_image', 'Image', noRow), false);
  assert.equal(authz.can(ctx.NS, 'get_member', 'Image', noRow), false);
  // A row on an image that is no longer shared is ignored.
  assert.equal(authz.can(ctx.SA, 'get_image', 'Image', image('private', [Q])), false);
  // A reader of Q sees the shared image but cannot download it or change its row.
  const qReader = buildContext('r', { projectId: Q, roles: ['reader'] });
  assert.equal(authz.can(qReader, 'get_image', 'Image', image('shared', [Q])), true);
  assert.equal(authz.can(qReader, 'download_image', 'Image', image('shared', [Q])), false);
  assert.equal(authz.can(qReader, 'modify_member', 'Image', image('shared', [Q])), false);
  assert.equal(authz.can(qReader, 'get_member', 'Image', image('shared', [Q])), true);
});

test('public and unowned shared images are visible to every reader; the owner needs no member row', () => {
  assert.equal(authz.can(ctx.NS, 'get_image', 'Image', image('public')), true);
  assert.equal(authz.can(ctx.NS, 'get_image', 'Image', { ...image('shared'), owner: null }), true);
  // an unowned private image passes DB visibility but not get_image (no project matches None)
  assert.equal(authz.can(ctx.NS, 'get_image', 'Image', { ...image('private'), owner: null }), false);
  assert.equal(authz.can(ctx.OR, 'get_image', 'Image', image('private')), true);
  assert.equal(authz.can(ctx.OM, 'modify_member', 'Image', image('shared', [Q])), false);
  // a missing owner field is treated as null, as MongoDB does
  assert.equal(authz.can(ctx.NS, 'get_image', 'Image', { visibility: 'shared' }), true);
  assert.equal(authz.can(ctx.ADM, 'get_image', 'Image', {}), true);
});

test('a token with member but not reader fails get_image (implied roles are required)', () => {
  const bare: RequestContext = { ...ctx.OM, roles: ['member'] };
  assert.equal(authz.can(bare, 'get_image', 'Image', image('private')), false);
  assert.equal(authz.can(bare, 'modify_image', 'Image', image('private')), true);
});

const ns = (visibility: string) => ({ _id: 'ns', namespace: 'N', owner: O, visibility, protected: false });
const METADEF_READ: PolicyRule[] = ['get_metadef_namespace', 'get_metadef_object', 'get_metadef_objects', 'get_metadef_property', 'get_metadef_properties', 'get_metadef_tag', 'get_metadef_tags', 'get_metadef_resource_type', 'list_metadef_resource_types'];
const METADEF_WRITE: PolicyRule[] = [
  'modify_metadef_namespace',
  'delete_metadef_namespace',
  'add_metadef_object',
  'modify_metadef_object',
  'delete_metadef_object',
  'add_metadef_property',
  'modify_metadef_property',
  'remove_metadef_property',
  'add_metadef_tag',
  'add_metadef_tags',
  'modify_metadef_tag',
  'delete_metadef_tag',
  'delete_metadef_tags',
  'add_metadef_resource_type_association',
  'remove_metadef_resource_type_association',
];

test('metadef reads: admin, owner project (member or reader), anyone with a role on a public namespace', () => {
  for (const rule of METADEF_READ) {
    for (const [p, doc, want] of [
      ['ADM', ns('private'), true],
      ['OM', ns('private'), true],
      ['OR', ns('private'), true],
      ['NS', ns('private'), false],
      ['NS', ns('public'), true],
      ['AN', ns('public'), false],
      ['AN', ns('private'), false],
    ] as const) {
      assert.equal(authz.can(ctx[p], rule, 'MetadefNamespace', doc), want, `${rule} ${p} ${doc.visibility}`);
    }
  }
});

test('metadef writes: admin only, whatever the namespace', () => {
  for (const rule of [...METADEF_WRITE, 'add_metadef_namespace' as const]) {
    for (const p of PERSONAS) {
      for (const doc of [ns('private'), ns('public')]) assert.equal(authz.can(ctx[p], rule, 'MetadefNamespace', doc), p === 'ADM', `${rule} ${p}`);
    }
  }
});

test('system- and domain-scoped tokens: every API rule denied, base rules still evaluate', () => {
  const sys = buildContext('r', { projectId: null, systemScope: 'all', roles: ['admin'] });
  const dom = buildContext('r', { domainId: 'default', roles: ['admin'] });
  for (const c of [sys, dom]) {
    assert.equal(authz.can(c, 'get_image', 'Image', image('public')), false);
    assert.equal(authz.can(c, 'get_images', 'Global'), false);
    assert.equal(authz.can(c, 'get_metadef_namespace', 'MetadefNamespace', ns('public')), false);
    assert.deepEqual(authz.filter(c, 'get_image', 'Image'), { _id: { $in: [] } });
    assert.equal(authz.can(c, 'context_is_admin', 'Global'), true);
  }
});

test('every default rule has a row in this file', () => {
  const covered = new Set([...Object.keys(IMAGE_RULES), ...Object.keys(GLOBAL_RULES), ...METADEF_READ, ...METADEF_WRITE, 'add_image', ...BASE_RULES]);
  const missing = [...loadPolicies().checks.keys()].filter((r) => !covered.has(r));
  assert.deepEqual(missing, []);
});

test('enforce: 404 when the read rule fails, 403 when only the action fails, nothing when allowed', () => {
  const opts = { readRule: 'get_image' as const, notFoundMessage: 'No image found with ID img' };
  assert.throws(() => authz.enforce(ctx.NS, 'modify_image', 'Image', imageFor.NS, opts), { kind: 'NotFound', message: 'No image found with ID img' });
  assert.throws(() => authz.enforce(ctx.SA, 'modify_image', 'Image', imageFor.SA, opts), { kind: 'Forbidden', message: 'You are not authorized to complete modify_image action.' });
  assert.throws(() => authz.enforce(ctx.OR, 'publicize_image', 'Image', imageFor.OR, { ...opts, forbiddenMessage: 'nope' }), { kind: 'Forbidden', message: 'nope' });
  assert.doesNotThrow(() => authz.enforce(ctx.OM, 'modify_image', 'Image', imageFor.OM, opts));
  assert.throws(() => authz.enforce(ctx.AN, 'get_image', 'Image', imageFor.AN, opts), { kind: 'NotFound' });
  // without a read rule, a failure is 403 (creates, lists)
  assert.throws(() => authz.enforce(ctx.AN, 'get_images', 'Global', undefined, { notFoundMessage: 'x' }), { kind: 'Forbidden' });
  // namespace list failure reported as not found (get_metadef_namespace with the list target fails too)
  assert.throws(() => authz.enforce(ctx.AN, 'get_metadef_namespaces', 'Global', undefined, { readRule: 'get_metadef_namespace', notFoundMessage: 'x' }), { kind: 'NotFound' });
  assert.doesNotThrow(() => authz.enforce(ctx.OR, 'get_metadef_namespaces', 'Global', undefined, { readRule: 'get_metadef_namespace', notFoundMessage: 'x' }));
});

test('assertWritable refuses anonymous contexts with 403 Read-only access', () => {
  assert.throws(() => authz.assertWritable(ctx.AN), { kind: 'Forbidden', message: 'Read-only access' });
  assert.doesNotThrow(() => authz.assertWritable(ctx.OR));
});

test('unknown rule names are programming errors', () => {
  // a misspelt name fails typecheck; one that gets through anyway (a cast) fails at run time
  // @ts-expect-error 'get_imagez' is not a PolicyRule
  assert.throws(() => authz.can(ctx.OM, 'get_imagez', 'Image', image('private')), /Unknown policy rule "get_imagez"/);
});

test('explain names the deciding rule and agrees with can()', () => {
  const ex = authz.explain(ctx.OM, 'publicize_image', 'Image', imageFor.OM);
  assert.equal(ex.allowed, false);
  assert.equal(ex.rule, 'publicize_image');
  assert.equal(ex.check, 'rule:context_is_admin');
  assert.ok(ex.trace.some((l) => /role:admin → false/.test(l)));
  const hidden = authz.explain(ctx.NS, 'get_image', 'Image', image('shared', []));
  assert.equal(hidden.allowed, false);
  assert.equal(hidden.rule, 'visibility');
  const sys = authz.explain(buildContext('r', { systemScope: 'all', roles: ['admin'] }), 'get_images', 'Global');
  assert.equal(sys.rule, 'scope');
  for (const p of PERSONAS) {
    for (const [rule] of rows(IMAGE_RULES)) assert.equal(authz.explain(ctx[p], rule, 'Image', imageFor[p]).allowed, authz.can(ctx[p], rule, 'Image', imageFor[p]));
  }
});
