import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../../src/config/config.js';
import { rbdStore } from '../../src/stores/rbd-options.js';

test('rbd store options: upstream names, defaults, and refusals of values that could reach the command line', () => {
  const s = rbdStore('ceph', {});
  assert.deepEqual(s.properties(), { pool: 'images', chunk_size: 8 << 20, thin_provisioning: false });
  assert.deepEqual(rbdStore('ceph', { rbd_store_pool: 'glance.images', rbd_store_chunk_size: 4, rbd_thin_provisioning: true }).properties(), { pool: 'glance.images', chunk_size: 4 << 20, thin_provisioning: true });
  for (const bad of [
    { rbd_store_pool: '--help' },
    { rbd_store_pool: 'a/b' },
    { rbd_store_pool: 'a@b' },
    { rbd_store_user: '-x' },
    { rbd_store_ceph_conf: 'relative.conf' },
    { rbd_store_chunk_size: 3 },
    { rbd_store_chunk_size: 64 },
    { rbd_store_chunk_size: 0.5 },
    { rbd_thin_provisioning: 'yes' },
    { rados_connect_timeout: 0 },
  ]) {
    assert.throws(() => rbdStore('ceph', bad as never), ConfigError, JSON.stringify(bad));
  }
});

test('rbd locations: rbd://fsid/pool/uuid/snap in this pool only, canonical ids only', () => {
  const s = rbdStore('ceph', { rbd_store_pool: 'images' });
  const id = randomUUID();
  const fsid = randomUUID();
  assert.equal(s.owns(`rbd://${fsid}/images/${id}/snap`), true);
  for (const url of [
    `rbd://${fsid}/volumes/${id}/snap`,
    `rbd://${fsid}/images/${id}/other`,
    `rbd://${fsid}/images/${id.toUpperCase()}/snap`,
    `rbd://${fsid}/images/${id}`,
    `rbd://${fsid}/images/${id}/snap/extra`,
    `rbd://${id}`,
    `rbd://${fsid}/images/%E0%A4%A/snap`,
    `file:///images/${id}`,
  ]) {
    assert.equal(s.owns(url), false, url);
  }
});
