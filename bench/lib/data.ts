import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, openSync, closeSync, fsyncSync, rmSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RssSampler } from './proc.js';
import { fmt, mib, type Row } from './table.js';

const execFileP = promisify(execFile);

/**
 * Upload and download of one large image, against their limits on the same bytes:
 * a plain file copy (read → write → fsync, 1 MiB chunks: the least a server must do with bytes
 * arriving on a socket) and `sha512sum`/`md5sum` (the hashing an upload must add).
 * As for the request scenarios, a warm-up comes first (a 64 MiB upload and download), and with
 * `rounds` > 1 the copy, the upload and the download alternate that many times and the best of
 * each counts. The service's RSS is sampled throughout the measured transfers: it must stay flat
 * while streaming.
 */
export async function runDataScenarios(o: { base: string; token: string; sampler: RssSampler; work: string; mib: number; rounds: number; log: (m: string) => void }): Promise<Row[]> {
  const size = o.mib * 1048576;
  const src = join(o.work, 'bench-source.img');
  const dst = join(o.work, 'bench-copy.img');
  const rows: Row[] = [];
  try {
    o.log(`generating a ${o.mib} MiB source file`);
    const block = randomBytes(16 * 1048576);
    const fd = openSync(src, 'w');
    for (let off = 0; off < size; off += block.length) {
      block.writeUInt32BE(off / block.length, 0); // no two blocks alike
      writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
    fsyncSync(fd);
    closeSync(fd);

    // Limits.
    const plainCopy = async () => {
      const secs = await timed(async () => {
        await pipeline(createReadStream(src, { highWaterMark: 1048576 }), createWriteStream(dst, { highWaterMark: 1048576 }));
        const f = openSync(dst, 'r+');
        fsyncSync(f);
        closeSync(f);
      });
      rmSync(dst, { force: true });
      return secs;
    };
    let sha512 = '';
    const shaSecs = await timed(async () => {
      const r = spawnSync('sha512sum', [src], { encoding: 'utf8' });
      sha512 = r.stdout.split(' ')[0];
    });
    const md5Secs = await timed(async () => {
      spawnSync('md5sum', [src], { encoding: 'utf8' });
    });

    // Service: create, upload (the whole file, or its first `bytes`), download.
    const upload = async (bytes: number) => {
      const created = await json(o.base, 'POST', '/v2/images', o.token, { name: 'bench-data', disk_format: 'raw', container_format: 'bare' });
      if (created.status !== 201) throw new Error(`create for upload: ${created.status} ${created.text}`);
      const id = (JSON.parse(created.text) as { id: string }).id;
      const { status, secs } = await transfer({ method: 'PUT', url: o.base + `/v2/images/${id}/file`, headers: { 'X-Auth-Token': o.token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) }, file: src, bytes });
      return { id, status, secs };
    };
    const warm = await upload(Math.min(size, 64 * 1048576));
    await fetchAll(o.base, warm.id, o.token, { Range: 'bytes=0-' });
    await json(o.base, 'DELETE', `/v2/images/${warm.id}`, o.token);

    let copySecs = Infinity;
    let upSecs = Infinity;
    let downSecs = Infinity;
    let upOk = true;
    let downOk = true;
    let upPeak = 0;
    let downPeak = 0;
    let fill = { status: 0, got: 0, secs: 0 };
    let cached = { status: 0, got: 0, secs: 0 };
    // RSS growth: the peak during each measured transfer minus the RSS just before it.
    let growth = 0;
    let rssBefore = 0;
    for (let round = 0; round < o.rounds; round++) {
      copySecs = Math.min(copySecs, await plainCopy());
      const upStart = o.sampler.window();
      if (round === 0) rssBefore = upStart;
      const up = await upload(size);
      upSecs = Math.min(upSecs, up.secs);
      upPeak = Math.max(upPeak, o.sampler.peakBytes());
      growth = Math.max(growth, o.sampler.peakBytes() - upStart);
      const shown = await json(o.base, 'GET', `/v2/images/${up.id}`, o.token);
      const img = JSON.parse(shown.text) as { status?: string; size?: number; os_hash_value?: string };
      const ok = up.status === 204 && img.status === 'active' && img.size === size && (!img.os_hash_value || img.os_hash_value === sha512);
      if (!ok) o.log(`upload: HTTP ${up.status}, image ${JSON.stringify({ status: img.status, size: img.size, hash_ok: img.os_hash_value === sha512 })}`);
      upOk &&= ok;

      // Download from the store (a whole-image range: never fills the image cache), then, when the
      // service runs with IMAGE_CACHE_ENABLED, a plain GET that fills the cache and one served from it.
      const downStart = o.sampler.window();
      const store = await fetchAll(o.base, up.id, o.token, { Range: 'bytes=0-' });
      downSecs = Math.min(downSecs, store.secs);
      downPeak = Math.max(downPeak, o.sampler.peakBytes());
      growth = Math.max(growth, o.sampler.peakBytes() - downStart);
      const dOk = (store.status === 206 || store.status === 200) && store.got === size;
      if (!dOk) o.log(`download: HTTP ${store.status}, ${store.got} of ${size} bytes`);
      downOk &&= dOk;
      if (round === 0) {
        fill = await fetchAll(o.base, up.id, o.token);
        cached = await fetchAll(o.base, up.id, o.token);
      }
      await json(o.base, 'DELETE', `/v2/images/${up.id}`, o.token);
    }
    const copyRate = o.mib / copySecs;
    o.log(`plain copy ${fmt(copyRate)} MiB/s, sha512sum ${fmt(o.mib / shaSecs)} MiB/s, md5sum ${fmt(o.mib / md5Secs)} MiB/s`);
    // The versions document lists v2.18 only when the image cache is enabled.
    const cacheOn = (await json(o.base, 'GET', '/versions', o.token)).text.includes('"v2.18"');

    const upRate = o.mib / upSecs;
    const downRate = o.mib / downSecs;
    const hashedCopy = o.mib / (copySecs + shaSecs + md5Secs);
    o.log(`upload ${fmt(upRate)} MiB/s (${fmt(upSecs, 1)} s), download ${fmt(downRate)} MiB/s (${fmt(downSecs, 1)} s); copy+sha512+md5 serial ${fmt(hashedCopy)} MiB/s`);
    const label = o.mib >= 1024 ? `${o.mib / 1024} GiB` : `${o.mib} MiB`;
    const dataRow = (scenario: string, rate: number, secs: number, ok: boolean, limit: number, limitName: string, budget: number | null, peak: number): Row => ({
      scenario,
      conc: 1,
      rate: `${fmt(rate)} MiB/s`,
      p50: `${fmt(secs * 1000)}`,
      p99: '-',
      errors: ok ? '0' : '1',
      limit: `${fmt(limit)} MiB/s (${limitName})`,
      ratio: fmt(rate / limit, 2),
      budget: budget === null ? '-' : `>=${budget.toFixed(2)}`,
      result: budget === null ? '-' : ok && rate / limit >= budget ? 'PASS' : 'FAIL',
      rss: mib(peak),
      raw: { scenario, rateMiBs: rate, seconds: secs, ok, limitMiBs: limit, limitName, budget, peakRssBytes: peak },
    });
    rows.push(dataRow(`upload ${label}`, upRate, upSecs, upOk, copyRate, 'copy', 0.8, upPeak));
    rows.push(dataRow(`upload ${label} vs copy+hashes`, upRate, upSecs, upOk, hashedCopy, 'copy+sha512+md5', null, upPeak));
    rows.push(dataRow(`download ${label}`, downRate, downSecs, downOk, copyRate, 'copy', 0.9, downPeak));
    if (cacheOn) {
      const fillOk = fill.status === 200 && fill.got === size;
      const cachedOk = cached.status === 200 && cached.got === size;
      o.log(`download filling the image cache ${fmt(o.mib / fill.secs)} MiB/s, from the cache ${fmt(o.mib / cached.secs)} MiB/s, from the store ${fmt(downRate)} MiB/s`);
      rows.push(dataRow(`download ${label} (store → cache fill)`, o.mib / fill.secs, fill.secs, fillOk, copyRate, 'copy', null, o.sampler.peakBytes()));
      rows.push(dataRow(`download ${label} (from cache)`, o.mib / cached.secs, cached.secs, cachedOk, copyRate, 'copy', null, o.sampler.peakBytes()));
      rows.push(dataRow(`download ${label} cache vs store`, o.mib / cached.secs, cached.secs, cachedOk && downOk, downRate, 'store', null, 0));
    }
    rows.push({
      scenario: `RSS growth streaming ${label}`,
      conc: 1,
      rate: `${mib(growth)} MiB`,
      p50: '-',
      p99: '-',
      errors: '-',
      limit: '64 MiB',
      ratio: '-',
      budget: '<=64 MiB',
      result: growth <= 64 * 1048576 ? 'PASS' : 'FAIL',
      rss: mib(Math.max(upPeak, downPeak)),
      raw: { scenario: 'rss growth', startBytes: rssBefore, uploadPeakBytes: upPeak, downloadPeakBytes: downPeak, growthBytes: growth },
    });
    rows.push({
      scenario: 'sha512sum / md5sum (info)',
      conc: 1,
      rate: `${fmt(o.mib / shaSecs)} / ${fmt(o.mib / md5Secs)} MiB/s`,
      p50: '-',
      p99: '-',
      errors: '-',
      limit: '-',
      ratio: '-',
      budget: '-',
      result: '-',
      rss: '-',
    });
  } finally {
    rmSync(src, { force: true });
    rmSync(dst, { force: true });
  }
  return rows;
}

/** GET /v2/images/{id}/file, draining the body in a client process: status, bytes received, seconds. */
function fetchAll(base: string, id: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; got: number; secs: number }> {
  return transfer({ method: 'GET', url: base + `/v2/images/${id}/file`, headers: { 'X-Auth-Token': token, ...headers } });
}

const CLIENT = fileURLToPath(new URL('./transfer-client.ts', import.meta.url));

/** One transfer by bench/lib/transfer-client.ts in a process of its own (timed inside it). */
async function transfer(spec: { method: 'PUT' | 'GET'; url: string; headers: Record<string, string>; file?: string; bytes?: number }): Promise<{ status: number; got: number; secs: number }> {
  const r = await execFileP(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(spec)], { maxBuffer: 1 << 20 });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: number; got: number; secs: number };
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function json(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, headers: { 'X-Auth-Token': token, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
