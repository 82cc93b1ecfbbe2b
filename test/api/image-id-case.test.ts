/**
 * One canonical form of an image id. The catalogue once compared ids case-sensitively while the
 * stores and the staging area folded case, so project B could create the upper-case twin of
 * project A's image id and then replace, read or delete A's bytes. Every store and the staging
 * area are tried here, as the attacker would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, startServer, type TestServer } from '../helpers/server.js';
import { OCTET, createImage, download, getImage, upload, waitFor } from '../helpers/image-data.js';

/** A spelling of `id` that differs in case (every hex letter upper-cased, or one flipped). */
const twin = (id: string) => (/[a-f]/.test(id) ? id.toUpperCase() : id);

describe('image ids have one canonical form', () => {
  let s: TestServer;
  let a: string;
  let b: string;
  let admin: string;

  before(async () => {
    s = await startServer({ ENABLED_BACKENDS: 'fast:file,db:gridfs', REQUIRE_IMAGE_FORMAT_MATCH: 'false' });
    a = await s.token({ project: 'project-a', roles: ['member'] });
    b = await s.token({ project: 'project-b', roles: ['member'] });
    admin = await s.token({ project: 'admin', roles: ['admin'] });
  });
  after(() => s.close());

  for (const store of ['fast', 'db']) {
    test(`another project's upper-case twin never reaches ${store} store bytes`, async () => {
      const id = randomUUID().replace(/^./, 'a'); // at least one hex letter to change case
      await createImage(s, a, { id, visibility: 'private' });
      const mine = randomBytes(4096);
      assert.equal((await upload(s, a, id, mine, { 'X-Image-Meta-Store': store })).status, 204);

      // The twin is the same id: B cannot create it, and cannot write, stage or delete through it.
      const created = await call(s.url, 'POST', '/v2/images', { token: b, body: { id: twin(id), disk_format: 'raw', container_format: 'bare' } });
      assert.equal(created.status, 409, created.text);
      const theirs = randomBytes(4096);
      assert.equal((await upload(s, b, twin(id), theirs, { 'X-Image-Meta-Store': store })).status, 404);
      assert.equal((await call(s.url, 'PUT', `/v2/images/${twin(id)}/stage`, { token: b, rawBody: theirs, headers: OCTET })).status, 404);
      assert.equal((await call(s.url, 'DELETE', `/v2/images/${twin(id)}`, { token: b })).status, 404);

      const got = await download(s, a, id);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(mine), 'A reads its own bytes');
      // Only one record exists for the UUID, whatever the spelling used to ask.
      const list = await call(s.url, 'GET', `/v2/images?id=in:${id},${twin(id)}`, { token: admin });
      assert.deepEqual(list.body.images.map((i: { id: string }) => i.id), [id]);
    });
  }

  test('a twin created before the owner cannot take the owner\'s staged data into its import', async () => {
    const id = randomUUID().replace(/^./, 'b');
    await createImage(s, a, { id });
    const staged = randomBytes(2048);
    assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/stage`, { token: a, rawBody: staged, headers: OCTET })).status, 204);
    // B's twin does not exist and cannot be made; B's stage to it is refused.
    assert.equal((await call(s.url, 'POST', '/v2/images', { token: b, body: { id: twin(id), disk_format: 'raw', container_format: 'bare' } })).status, 409);
    assert.equal((await call(s.url, 'PUT', `/v2/images/${twin(id)}/stage`, { token: b, rawBody: randomBytes(2048), headers: OCTET })).status, 404);
    assert.equal((await call(s.url, 'POST', `/v2/images/${id}/import`, { token: a, body: { method: { name: 'glance-direct' } } })).status, 202);
    await waitFor(s, a, id, (img) => img.status === 'active');
    const got = await download(s, a, id);
    assert.ok(got.body.equals(staged));
  });

  test('an id given in upper case is stored, answered and addressed in its canonical form', async () => {
    const id = randomUUID().replace(/^./, 'c');
    const img = await createImage(s, a, { id: id.toUpperCase() });
    assert.equal(img.id, id);
    assert.equal(img.self, `/v2/images/${id}`);
    assert.equal((await getImage(s, a, id.toUpperCase())).id, id);
    assert.equal((await upload(s, a, id.toUpperCase(), Buffer.from('hello'))).status, 204);
    const got = await download(s, a, id);
    assert.equal(got.body.toString(), 'hello');
    const page = await call(s.url, 'GET', `/v2/images?marker=${id.toUpperCase()}`, { token: a });
    assert.equal(page.status, 200, page.text);
    // On disk, one file named by the canonical id.
    const dir = join(s.config.DATA_DIR, 'stores', 'fast');
    assert.deepEqual(readdirSync(dir).filter((n) => n.toLowerCase() === id), [id]);
  });
});
