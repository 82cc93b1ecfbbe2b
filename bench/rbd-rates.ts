/**
 * `npm run bench:rbd`: upload and download rates of the rbd store next to the file store, in
 * one run, on one service (`ENABLED_BACKENDS=fast:file,ceph:rbd`, no cache) over HTTP against a
 * throw-away single-node Ceph (scripts/ceph-local.sh, memstore OSD: the figures measure the
 * service and the rbd client path, not disks).
 *
 *   npm run bench:rbd -- [--mib N] [--rounds N]
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from '../src/db/embedded.js';

const { values: argv } = parseArgs({ options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } } });
const MiB = 1 << 20;
const size = Number(argv.mib) * MiB;
const rounds = Number(argv.rounds);

const mongo = process.env.TEST_MONGODB_URI ? undefined : await startEmbeddedMongo();
process.env.TEST_MONGODB_URI ??= mongo!.uri;
// Imported after the database is known: the helpers read TEST_MONGODB_URI.
const { startServer, call } = await import('../test/helpers/server.js');
const { startCeph } = await import('../test/helpers/ceph.js');

/** Sends `data` in 1 MiB writes (as a client streaming a file), resolves with the status. */
function put(url: string, token: string, data: Buffer, store: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length), 'X-Image-Meta-Store': store } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    let off = 0;
    const next = () => {
      while (off < data.length) {
        const ok = req.write(data.subarray(off, (off += MiB)));
        if (!ok) return void req.once('drain', next);
      }
      req.end();
    };
    next();
  });
}

/** Downloads, hashing as it goes; resolves with the bytes' MD5 and count. */
function get(url: string, token: string, range?: string): Promise<{ md5: string; n: number; status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'X-Auth-Token': token, ...(range ? { Range: range } : {}) } }, (res) => {
      const h = createHash('md5');
      let n = 0;
      res.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
      });
      res.on('end', () => resolve({ md5: h.digest('hex'), n, status: res.statusCode! }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const ceph = await startCeph();
const s = await startServer({
  ENABLED_BACKENDS: 'fast:file,ceph:rbd',
  IMAGE_CACHE_ENABLED: 'false',
  STORE_OPTIONS: JSON.stringify({ ceph: { rbd_store_pool: ceph.pool, rbd_store_ceph_conf: ceph.conf } }),
});
try {
  const token = await s.token({ project: 'bench', roles: ['member'] });
  const data = randomBytes(size);
  const want = createHash('md5').update(data).digest('hex');
  const rows: Record<string, Record<string, number[]>> = { fast: {}, ceph: {} };
  const add = (store: string, k: string, v: number) => (rows[store][k] ??= []).push(v);
  for (let r = 0; r < rounds; r++) {
    for (const store of ['fast', 'ceph']) {
      const img = await call(s.url, 'POST', '/v2/images', { token, body: { disk_format: 'raw', container_format: 'bare' } });
      const file = `${s.url}/v2/images/${img.body.id}/file`;
      let t = process.hrtime.bigint();
      const st = await put(file, token, data, store);
      if (st !== 204) throw new Error(`upload to ${store}: ${st}`);
      add(store, 'upload MiB/s', size / MiB / (Number(process.hrtime.bigint() - t) / 1e9));
      t = process.hrtime.bigint();
      const got = await get(file, token);
      if (got.md5 !== want) throw new Error(`download from ${store}: wrong bytes`);
      add(store, 'download MiB/s', size / MiB / (Number(process.hrtime.bigint() - t) / 1e9));
      t = process.hrtime.bigint();
      const part = await get(file, token, `bytes=${size - MiB}-${size - 1}`);
      if (part.status !== 206 || part.n !== MiB) throw new Error(`range from ${store}: ${part.status} ${part.n}`);
      add(store, 'last-MiB range ms', Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      await call(s.url, 'DELETE', `/v2/images/${img.body.id}`, { token });
      add(store, 'delete ms', Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const keys = Object.keys(rows.fast);
  console.log(`${argv.mib} MiB image, ${rounds} rounds, medians`);
  console.log(['store', ...keys].map((k) => k.padEnd(20)).join(''));
  for (const store of ['fast', 'ceph']) console.log([`${store} (${store === 'fast' ? 'file' : 'rbd'})`, ...keys.map((k) => median(rows[store][k]).toFixed(1))].map((k) => k.padEnd(20)).join(''));
} finally {
  await s.close();
  await ceph.stop();
  await mongo?.stop();
}
