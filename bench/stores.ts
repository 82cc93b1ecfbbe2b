/**
 * Store transfer rates, in one run: a plain `cp` of the same file (and one followed by `sync`), then upload (file → store,
 * through the Meter: size, MD5 and sha512 computed on the way) and download (store → file) for
 * the file store, swift (one object, and a Static Large Object of 64 MiB segments) and s3
 * (multipart), the last two on a local single-node Swift with s3api (scripts/swift-local.sh).
 *
 *   npx tsx bench/stores.ts [--mib N] [--rounds N]      (default 256 MiB, best of 2)
 *
 * Everything runs on this machine: the figures compare the drivers' overhead against the disk,
 * not networks.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { FileStore } from '../src/stores/file.js';
import { SwiftStore } from '../src/stores/swift.js';
import { S3Store } from '../src/stores/s3.js';
import { s3Options, swiftOptions } from '../src/stores/object-options.js';
import type { StoreDriver } from '../src/stores/store.js';
import { startSwift, STORE_USER } from '../test/helpers/swift.js';
import { seededBytes } from '../test/stores/fixtures.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '2' } } });
const MiB = 1 << 20;
const size = Number(values.mib) * MiB;
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'glance-ts-bench-stores-'));
const src = join(dir, 'source.raw');
const piece = seededBytes(4 * MiB, 5);
{
  const out = createWriteStream(src);
  for (let n = 0; n < size; n += piece.length) if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

const rate = (ms: number) => (size / MiB / (ms / 1000)).toFixed(0);
async function best(fn: () => Promise<void>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const rows: [string, string, string][] = [];
const cpMs = await best(async () => {
  const r = spawnSync('cp', [src, join(dir, 'copy.raw')]);
  if (r.status !== 0) throw new Error(`cp failed: ${r.stderr}`);
});
rows.push(['cp (file to file, same disk)', rate(cpMs), rate(cpMs)]);
// the file store fsyncs what it writes: a copy that does the same
const cpSyncMs = await best(async () => {
  const r = spawnSync('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'cp', src, join(dir, 'copy.raw')]);
  if (r.status !== 0) throw new Error(`cp failed: ${r.stderr}`);
});
rows.push(['cp + sync of the copy', rate(cpSyncMs), '–']);

const swift = await startSwift();
try {
  const stores: [string, StoreDriver][] = [
    ['file store', new FileStore({ id: 'fast', dir: join(dir, 'file-store') })],
    ['swift, one object', new SwiftStore(swiftOptions('obj', { auth_address: swift.authUrl, auth_version: '1', user: STORE_USER.user, key: STORE_USER.key, container: 'bench' }))],
    ['swift, SLO of 64 MiB segments', new SwiftStore(swiftOptions('slo', { auth_address: swift.authUrl, auth_version: '1', user: STORE_USER.user, key: STORE_USER.key, container: 'bench-slo', large_object_size: 64, large_object_chunk_size: 64 }))],
    ['s3 (s3api), multipart 10 MiB parts', new S3Store(s3Options('s3', { host: swift.url, access_key: STORE_USER.user, secret_key: STORE_USER.key, bucket: 'bench', create_bucket_on_put: true }))],
  ];
  for (const [name, store] of stores) {
    const id = randomUUID();
    let url = '';
    const up = await best(async () => {
      url = (await store.write(id, createReadStream(src, { highWaterMark: MiB }), { hashAlgo: 'sha512', maxSize: size })).url;
    });
    const down = await best(async () => {
      await pipeline(await store.read(url), createWriteStream(join(dir, 'download.raw')));
    });
    await store.delete(url);
    rows.push([name, rate(up), rate(down)]);
  }
} finally {
  await swift.stop();
  rmSync(dir, { recursive: true, force: true });
}

const lines = [`| ${values.mib} MiB, best of ${rounds} | upload MiB/s | download MiB/s |`, '|---|---:|---:|', ...rows.map((r) => `| ${r.join(' | ')} |`)];
console.log(lines.join('\n'));
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(rows));
process.exit(0);
