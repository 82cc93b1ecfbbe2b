/**
 * The crash matrix: every disk_format × sizes around the inspector's boundaries × {upload,
 * stage + glance-direct import}, with random bytes. A short refused body once ended before the
 * store attached its pipeline, and the inspector's unhandled `error` ended the process. Here
 * the process must stay up, the image must end `queued` or `active`, and no temporary, staged or
 * orphan file may be left behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, startServer, type TestServer } from '../helpers/server.js';
import { OCTET, createImage, getImage, upload, waitFor } from '../helpers/image-data.js';

const SIZES = [0, 1, 511, 512, 513, 4096, 65536, (1 << 20) + 1];

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const files = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

for (const requireMatch of ['true', 'false']) {
  describe(`crash matrix (REQUIRE_IMAGE_FORMAT_MATCH=${requireMatch})`, () => {
    let s: TestServer;
    let token: string;
    let uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);

    before(async () => {
      // An uncaught error would end a real process: catch it here so the test names the case.
      process.on('uncaughtException', onUncaught);
      s = await startServer({ REQUIRE_IMAGE_FORMAT_MATCH: requireMatch });
      token = await s.token({ project: 'project-a', roles: ['member'] });
    });
    after(async () => {
      process.off('uncaughtException', onUncaught);
      await s.close();
    });

    const storeDir = () => join(s.config.DATA_DIR, 'stores', 'file');
    const stagingDir = () => join(s.config.DATA_DIR, 'staging');

    /** Nothing left but the data of active images; nothing staged; the process still answers. */
    async function assertClean(label: string, activeIds: Set<string>) {
      assert.deepEqual(uncaught, [], `${label}: uncaught error`);
      const health = await call(s.url, 'GET', '/healthz');
      assert.equal(health.status, 200, `${label}: /healthz`);
      const left = files(storeDir()).filter((n) => !activeIds.has(n));
      assert.deepEqual(left, [], `${label}: orphan or temporary files in the store`);
      assert.deepEqual(files(stagingDir()), [], `${label}: staged data left behind`);
    }

    test('upload: every format × size', async () => {
      const active = new Set<string>();
      for (const fmt of s.config.DISK_FORMATS) {
        for (const [i, n] of SIZES.entries()) {
          const label = `upload ${fmt} ${n} B`;
          const img = await createImage(s, token, { disk_format: fmt, container_format: 'bare' });
          const r = await upload(s, token, img.id, bytes(n, i + 1));
          assert.ok([204, 415].includes(r.status), `${label}: ${r.status} ${r.text}`);
          const now = await getImage(s, token, img.id);
          assert.equal(now.status, r.status === 204 ? 'active' : 'queued', label);
          if (r.status === 204) {
            assert.equal(now.size, n, label);
            active.add(img.id);
          } else {
            assert.equal(now.size, null, label);
            assert.equal(requireMatch, 'true', `${label}: refused although the format need not match`);
          }
          await assertClean(label, active);
        }
      }
    });

    test('stage + glance-direct import: every format × size', async () => {
      const active = new Set(files(storeDir()));
      for (const fmt of s.config.DISK_FORMATS) {
        for (const [i, n] of SIZES.entries()) {
          const label = `import ${fmt} ${n} B`;
          const img = await createImage(s, token, { disk_format: fmt, container_format: 'bare' });
          const staged = await call(s.url, 'PUT', `/v2/images/${img.id}/stage`, { token, rawBody: bytes(n, 100 + i), headers: OCTET });
          assert.equal(staged.status, 204, `${label}: ${staged.text}`);
          const r = await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token, body: { method: { name: 'glance-direct' } } });
          assert.equal(r.status, 202, `${label}: ${r.text}`);
          const done = await waitFor(s, token, img.id, (x) => x.status === 'active' || x.status === 'queued');
          if (done.status === 'active') active.add(img.id);
          else assert.equal(requireMatch, 'true', `${label}: import refused although the format need not match`);
          await assertClean(label, active);
        }
      }
    });
  });
}
