/**
 * The rbd store against a real single-node Ceph (Debian's ceph-mon, ceph-osd, ceph-common),
 * started for this file by scripts/ceph-local.sh and stopped afterwards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { RbdStore } from '../../src/stores/rbd.js';
import { runStoreContract, drain } from '../contract/store-contract.js';
import { startCeph, type LocalCeph } from '../helpers/ceph.js';

let ceph: LocalCeph | undefined;
let starting: Promise<LocalCeph> | undefined;
const cluster = () => (starting ??= startCeph().then((c) => (ceph = c)));
after(async () => ceph?.stop());

runStoreContract('rbd', async () => {
  const c = await cluster();
  const store = new RbdStore({ id: 'ceph', pool: c.pool, cephConf: c.conf, chunkSizeMiB: 1, connectTimeout: 5 });
  return { store, leftovers: async () => (await store.list()).length };
});
