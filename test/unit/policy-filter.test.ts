/**
 * One source of truth for "may see": for every persona and rule, the documents a MongoDB query
 * with `filter()` returns are exactly those `can()` allows, on a real MongoDB.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Collection, Document } from 'mongodb';
import { connectMongo, type Mongo } from '../../src/db/mongo.js';
import { createLogger } from '../../src/log.js';
import { createAuthorizer, type Authorizer, type PolicyRule } from '../../src/authz/index.js';
import { anonymousContext, buildContext, type RequestContext } from '../../src/authn/context.js';

let mongo: Mongo;
let images: Collection<Document>;
let namespaces: Collection<Document>;
const imageDocs: Document[] = [];
const nsDocs: Document[] = [];

const OWNERS = ['p1', 'q', 'other', null];
const VISIBILITIES = ['public', 'private', 'shared', 'community'];
const MEMBERS = [[], ['q'], ['p1'], ['q', 'other']];

before(async () => {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run with test/run.ts');
  mongo = await connectMongo(uri, `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`, createLogger('silent'));
  images = mongo.db.collection('images');
  namespaces = mongo.db.collection('metadef_namespaces');
  let n = 0;
  for (const owner of OWNERS)
    for (const visibility of VISIBILITIES)
      for (const member_projects of MEMBERS) {
        n++;
        imageDocs.push({ _id: `img-${n}`, owner, visibility, member_projects, protected: n % 3 === 0, status: n % 5 === 0 ? 'deactivated' : 'active', name: `image ${n}` });
      }
  // a document without owner / member_projects fields at all
  imageDocs.push({ _id: 'img-bare', visibility: 'shared', protected: false, status: 'active' });
  for (const owner of OWNERS) for (const visibility of ['public', 'private']) nsDocs.push({ _id: `ns-${owner}-${visibility}`, namespace: `N-${owner}-${visibility}`, owner, visibility, protected: false });
  await images.insertMany(imageDocs);
  await namespaces.insertMany(nsDocs);
});
after(async () => {
  await mongo.db.dropDatabase().catch(() => undefined);
  await mongo.close();
});

const PERSONAS: Record<string, RequestContext> = {
  admin: buildContext('r', { projectId: 'adm', roles: ['admin'] }),
  'p1 member': buildContext('r', { projectId: 'p1', roles: ['member'] }),
  'p1 reader': buildContext('r', { projectId: 'p1', roles: ['reader'] }),
  'q member': buildContext('r', { projectId: 'q', roles: ['member'] }),
  'q reader': buildContext('r', { projectId: 'q', roles: ['reader'] }),
  'stranger member': buildContext('r', { projectId: 'zzz', roles: ['member'] }),
  'member without reader': { ...buildContext('r', { projectId: 'q', roles: ['member'] }), roles: ['member'] },
  'service user': buildContext('r', { projectId: 'svc', roles: ['service'] }),
  'system admin': buildContext('r', { systemScope: 'all', roles: ['admin'] }),
  'no roles': buildContext('r', { projectId: 'p1', roles: [] }),
  anonymous: anonymousContext('r'),
};

async function agree(authz: Authorizer, rules: PolicyRule[], subject: 'Image' | 'MetadefNamespace') {
  const coll = subject === 'Image' ? images : namespaces;
  const docs = subject === 'Image' ? imageDocs : nsDocs;
  let allowedSomewhere = 0;
  let deniedSomewhere = 0;
  for (const [name, ctx] of Object.entries(PERSONAS)) {
    for (const rule of rules) {
      const listed = (await coll.find(authz.filter(ctx, rule, subject), { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort();
      const shown = docs.filter((d) => authz.can(ctx, rule, subject, d)).map((d) => String(d._id)).sort();
      assert.deepEqual(listed, shown, `${rule} for ${name}: filter ${JSON.stringify(authz.filter(ctx, rule, subject))}`);
      allowedSomewhere += shown.length;
      deniedSomewhere += docs.length - shown.length;
    }
  }
  // the data set is varied enough to exercise both outcomes
  assert.ok(allowedSomewhere > 0 && deniedSomewhere > 0);
}

const IMAGE_RULES: PolicyRule[] = ['get_image', 'download_image', 'modify_image', 'publicize_image', 'get_member', 'modify_member', 'add_image_location', 'get_image_location'];

test('default image rules: find(filter()) returns exactly the documents can() allows', async () => {
  await agree(createAuthorizer(), IMAGE_RULES, 'Image');
});

test('default namespace rules: find(filter()) returns exactly the documents can() allows', async () => {
  await agree(createAuthorizer(), ['get_metadef_namespace', 'modify_metadef_namespace', 'get_metadef_objects'], 'MetadefNamespace');
});

test('get_image for a project member: public, community, own, and shared-with-me images, nothing else', async () => {
  const ids = (await images.find(createAuthorizer().filter(PERSONAS['q member'], 'get_image', 'Image')).toArray()).map((d) => d._id);
  const want = imageDocs
    .filter((d) => ['public', 'community'].includes(d.visibility) || d.owner === 'q' || (d.visibility === 'shared' && (d.owner === null || d.owner === undefined || (d.member_projects ?? []).includes('q'))))
    .map((d) => d._id);
  assert.deepEqual(ids.sort(), want.sort());
});

test('overridden rules with not, literals and booleans still agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(
    file,
    [
      `"get_image": "role:reader and not 'private':%(visibility)s and (project_id:%(owner)s or 'True':%(protected)s or not project_id:%(member_id)s)"`,
      `"modify_image": "rule:owner_member and not 'deactivated':%(status)s"`,
      `"owner_member": "role:member and project_id:%(project_id)s"`,
      `"download_image": "not (role:reader and 'community':%(visibility)s) and rule:context_is_admin or 'image 7':%(name)s"`,
      `"get_member": "user_id:%(owner)s or @"`,
      `"get_metadef_namespace": "not 'public':%(visibility)s or role:admin"`,
    ].join('\n'),
  );
  const authz = createAuthorizer({ policyFile: file });
  await agree(authz, ['get_image', 'modify_image', 'download_image', 'get_member'], 'Image');
  await agree(authz, ['get_metadef_namespace'], 'MetadefNamespace');
});
