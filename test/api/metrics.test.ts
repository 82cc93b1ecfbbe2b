import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, download, upload } from '../helpers/image-data.js';
import { promParserMissing, scrape, valueOf, type Sample } from '../helpers/metrics.js';
import { loadOpenApiDocument } from '../../src/openapi.js';

/**
 * GET /metrics scraped and parsed by the reference Prometheus parser (python3-prometheus-client):
 * the counters move with the requests made, and no label value is an id or a path.
 */
const missing = promParserMissing();
const opts = { skip: missing ?? false };

let s: TestServer;
let cached: TestServer;
let owner: string;
let stranger: string;

before(async () => {
  if (missing) return;
  s = await startServer();
  cached = await startServer({ IMAGE_CACHE_ENABLED: 'true', IMAGE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'metrics-cache-')) });
  owner = await s.token({ project: 'p-metrics', roles: ['member'] });
  stranger = await s.token({ project: 'p-other', roles: ['member'] });
});

after(async () => {
  await s?.close();
  await cached?.close();
});

const UUID_LIKE = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;
const HEX_ID = /^[0-9a-f]{16,}$/i;

function operationIds(): Set<string> {
  const doc = loadOpenApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> };
  const ids = new Set<string>();
  for (const item of Object.values(doc.paths)) for (const op of Object.values(item)) if (op && typeof op === 'object' && op.operationId) ids.add(op.operationId);
  return ids;
}

function assertBoundedLabels(samples: Sample[]): void {
  const ops = operationIds();
  for (const smp of samples) {
    for (const [k, v] of Object.entries(smp.labels)) {
      assert.ok(!UUID_LIKE.test(v), `${smp.name} label ${k}=${v} looks like an id`);
      assert.ok(!HEX_ID.test(v), `${smp.name} label ${k}=${v} looks like an id`);
      assert.ok(!v.includes('/'), `${smp.name} label ${k}=${v} looks like a path`);
      if (k === 'operation') assert.ok(ops.has(v) || v === 'unmatched', `operation label ${v} is an operationId of the document`);
    }
  }
}

test('counters, histograms and gauges move with the requests, labelled by operationId and status class', opts, async () => {
  const before0 = await scrape(`${s.url}/metrics`);
  assert.equal(before0.status, 200);
  assert.match(before0.contentType, /^text\/plain; version=0\.0\.4/);
  const b = before0.samples;

  // 3 creates, 1 upload and 1 download of known size, 2 lists, a 404 for a stranger (get_image denies),
  // an unknown path, a bad token.
  const data = randomBytes(3000);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await createImage(s, owner, { name: `m${i}` })).id);
  assert.equal((await upload(s, owner, ids[0], data)).status, 204);
  const got = await download(s, owner, ids[0]);
  assert.equal(got.status, 200);
  assert.equal(createHash('md5').update(got.body).digest('hex'), createHash('md5').update(data).digest('hex'));
  for (let i = 0; i < 2; i++) assert.equal((await call(s.url, 'GET', '/v2/images', { token: owner })).status, 200);
  assert.equal((await call(s.url, 'GET', `/v2/images/${ids[1]}`, { token: stranger })).status, 404);
  assert.equal((await call(s.url, 'GET', `/v2/no-such-thing/${randomUUID()}`, { token: owner })).status, 404);
  assert.equal((await call(s.url, 'GET', '/v2/images', { token: 'not-a-jwt' })).status, 401);

  const after1 = await scrape(`${s.url}/metrics`);
  const a = after1.samples;
  const delta = (name: string, labels: Record<string, string>) => valueOf(a, name, labels) - valueOf(b, name, labels);

  assert.equal(delta('glance_http_requests_total', { operation: 'createImage', status_class: '2xx' }), 3);
  assert.equal(delta('glance_http_request_duration_seconds_count', { operation: 'createImage', status_class: '2xx' }), 3);
  assert.equal(delta('glance_http_requests_total', { operation: 'listImages', status_class: '2xx' }), 2);
  assert.equal(delta('glance_http_requests_total', { operation: 'listImages', status_class: '4xx' }), 1);
  assert.equal(delta('glance_http_requests_total', { operation: 'showImage', status_class: '4xx' }), 1);
  assert.equal(delta('glance_http_requests_total', { operation: 'unmatched', status_class: '4xx' }), 1);
  assert.equal(delta('glance_http_requests_total', { operation: 'uploadImageData', status_class: '2xx' }), 1);
  assert.equal(delta('glance_http_requests_total', { operation: 'downloadImageData', status_class: '2xx' }), 1);
  // the histogram's +Inf bucket is its count
  assert.equal(valueOf(a, 'glance_http_request_duration_seconds_bucket', { operation: 'createImage', status_class: '2xx', le: '+Inf' }), valueOf(a, 'glance_http_request_duration_seconds_count', { operation: 'createImage', status_class: '2xx' }));
  // nothing is in flight between requests
  for (const smp of a.filter((x) => x.name === 'glance_http_requests_in_flight')) assert.equal(smp.value, 0, `in flight: ${JSON.stringify(smp.labels)}`);

  assert.equal(delta('glance_store_uploaded_bytes_total', { store: 'file' }), data.length);
  assert.equal(delta('glance_store_downloaded_bytes_total', { store: 'file' }), data.length);
  assert.equal(delta('glance_policy_denials_total', { rule: 'get_image' }), 1);
  assert.equal(delta('glance_token_validations_total', { mode: 'jwt', outcome: 'invalid' }), 1);
  assert.equal(delta('glance_token_validations_total', { mode: 'jwt', outcome: 'valid' }), 8); // the unknown path is answered before authentication
  // two tokens used 7 times and once: all but each token's first check come from the verified-token cache
  assert.equal(delta('glance_token_cache_hits_total', { mode: 'jwt' }), 6);
  assert.ok(delta('glance_mongodb_command_duration_seconds_count', { command: 'insert' }) >= 3);
  assert.ok(delta('glance_mongodb_command_duration_seconds_count', { command: 'find' }) >= 1);
  for (const smp of a.filter((x) => x.family === 'glance_mongodb_command_duration_seconds')) {
    assert.deepEqual(Object.keys(smp.labels).filter((k) => k !== 'le'), ['command']);
  }
  // notifications: the log driver has no queue
  assert.equal(valueOf(a, 'glance_notifications_queue_depth'), 0);
  assert.ok(a.some((x) => x.name === 'glance_notifications_dropped_total'));
  assert.ok(a.some((x) => x.name === 'glance_notifications_failed_total'));
  // process metrics
  assert.ok(valueOf(a, 'process_cpu_seconds_total') > 0);
  assert.ok(a.some((x) => x.name === 'nodejs_heap_size_used_bytes'));

  assertBoundedLabels(a);
});

test('the image cache reports misses, hits, bytes and evictions', opts, async () => {
  const token = await cached.token({ project: 'p-cache', roles: ['member'] });
  const admin = await cached.token({ project: 'p-admin', roles: ['admin'] });
  const data = randomBytes(5000);
  const id = (await createImage(cached, token)).id as string;
  assert.equal((await upload(cached, token, id, data)).status, 204);
  const b = (await scrape(`${cached.url}/metrics`)).samples;
  assert.equal((await download(cached, token, id)).body.length, data.length); // a miss that fills the cache
  // the fill completes once the response is over
  const deadline = Date.now() + 10_000;
  while (!cached.app.services.imageCache.cache!.isCached(id)) {
    assert.ok(Date.now() < deadline, 'the image was cached');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await download(cached, token, id)).body.length, data.length); // a hit
  // bytes are counted once each response is over on the server side, which may be just after
  // the client has read the body: scrape until the second download is counted
  let a = (await scrape(`${cached.url}/metrics`)).samples;
  while (valueOf(a, 'glance_store_downloaded_bytes_total', { store: 'cache' }) - valueOf(b, 'glance_store_downloaded_bytes_total', { store: 'cache' }) < data.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    a = (await scrape(`${cached.url}/metrics`)).samples;
  }
  const delta = (name: string, labels: Record<string, string> = {}) => valueOf(a, name, labels) - valueOf(b, name, labels);
  assert.equal(delta('glance_image_cache_misses_total'), 1);
  assert.equal(delta('glance_image_cache_hits_total'), 1);
  assert.equal(valueOf(a, 'glance_image_cache_bytes'), data.length);
  assert.equal(delta('glance_store_downloaded_bytes_total', { store: 'file' }), data.length);
  assert.equal(delta('glance_store_downloaded_bytes_total', { store: 'cache' }), data.length);

  assert.equal((await call(cached.url, 'DELETE', `/v2/cache/${id}`, { token: admin })).status, 204);
  const c = (await scrape(`${cached.url}/metrics`)).samples;
  assert.equal(valueOf(c, 'glance_image_cache_evictions_total') - valueOf(a, 'glance_image_cache_evictions_total'), 1);
  assert.equal(valueOf(c, 'glance_image_cache_bytes'), 0);
  assertBoundedLabels(c);
});

test('METRICS_PORT serves /metrics on its own loopback listener, and not on the API port', opts, async () => {
  const own = await startServer({ METRICS_PORT: '0' });
  try {
    const addr = own.app.metricsServer!.address() as AddressInfo;
    assert.equal(addr.address, '127.0.0.1');
    const r = await scrape(`http://127.0.0.1:${addr.port}/metrics`);
    assert.equal(r.status, 200);
    assert.ok(r.samples.some((x) => x.name === 'process_cpu_seconds_total'));
    const other = await fetch(`http://127.0.0.1:${addr.port}/v2/images`);
    assert.equal(other.status, 404);
    await other.text();
    const onApi = await fetch(`${own.url}/metrics`);
    assert.notEqual(onApi.status, 200);
    await onApi.text();
  } finally {
    await own.close();
  }
});

test('METRICS_ENABLED=false: no /metrics', opts, async () => {
  const off = await startServer({ METRICS_ENABLED: 'false' });
  try {
    assert.equal(off.app.services.metrics.registry, null);
    const r = await fetch(`${off.url}/metrics`);
    assert.notEqual(r.status, 200);
    await r.text();
  } finally {
    await off.close();
  }
});
