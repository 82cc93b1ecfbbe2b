import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { createMetrics, UNMATCHED } from '../../src/metrics/metrics.js';
import { RequestSeries } from '../../src/metrics/request-series.js';

/** The recorders keep every label within a fixed set, whatever they are told. */
async function values(m: ReturnType<typeof createMetrics>, name: string) {
  const all = await m.registry!.getMetricsAsJSON();
  return all.find((x) => x.name === name)?.values ?? [];
}

test('MongoDB command labels are bounded: odd names become other, and at most 64 names are kept', async () => {
  const m = createMetrics({ enabled: true, defaultMetrics: false });
  for (let i = 0; i < 200; i++) m.mongoCommand(`cmd${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, 0.001, false);
  m.mongoCommand('find/../x', 0.001, true);
  m.mongoCommand('$where', 0.001, false);
  const labels = new Set((await values(m, 'glance_mongodb_command_duration_seconds')).map((v) => v.labels.command));
  assert.ok(labels.size <= 65, `${labels.size} command labels`);
  assert.ok(labels.has('other'));
  for (const l of labels) assert.match(String(l), /^[A-Za-z]{1,40}$/);
  const failures = await values(m, 'glance_mongodb_command_failures_total');
  assert.deepEqual(failures.map((v) => [v.labels.command, v.value]), [['other', 1]]);
});

test('a request timer counts once, by operation and status class, and leaves nothing in flight', async () => {
  const m = createMetrics({ enabled: true, defaultMetrics: false });
  const t = m.requestStarted();
  t.route('listImages');
  assert.equal((await values(m, 'glance_http_requests_in_flight')).find((v) => v.labels.operation === 'listImages')?.value, 1);
  t.done(200);
  t.done(500);
  const u = m.requestStarted();
  u.done(404);
  const w = m.requestStarted();
  w.done(400, () => 'createImage');
  const counts = (await values(m, 'glance_http_requests_total')).map((v) => `${v.labels.operation} ${v.labels.status_class} ${v.value}`).sort();
  assert.deepEqual(counts, ['createImage 4xx 1', 'listImages 2xx 1', `${UNMATCHED} 4xx 1`]);
  assert.equal((await values(m, 'glance_http_requests_in_flight')).find((v) => v.labels.operation === 'listImages')?.value, 0);
});

test('byte counters ignore empty and nonsensical amounts; disabled metrics have no registry', async () => {
  const m = createMetrics({ enabled: true, defaultMetrics: false });
  m.dataBytes('file', 'upload', 10);
  m.dataBytes('file', 'upload', 0);
  m.dataBytes('file', 'upload', -5);
  m.dataBytes('file', 'upload', Number.NaN);
  m.dataBytes('file', 'download', 7);
  assert.deepEqual((await values(m, 'glance_store_uploaded_bytes_total')).map((v) => v.value), [10]);
  assert.deepEqual((await values(m, 'glance_store_downloaded_bytes_total')).map((v) => v.value), [7]);
  const off = createMetrics({ enabled: false });
  assert.equal(off.registry, null);
  off.requestStarted().done(200);
  off.policyDenied('get_image');
});

test('the request series expose exactly what a prom-client histogram and counter would for the same requests', async () => {
  const bounds = [0.001, 0.005, 0.01, 0.1];
  const series = new RequestSeries(bounds);
  const ours = new Registry();
  series.register(ours, { requests: ['r_total', 'r'], duration: ['d_seconds', 'd'], inFlight: ['f', 'f'] });
  const reference = new Registry();
  const h = new Histogram({ name: 'd_seconds', help: 'd', labelNames: ['operation', 'status_class'], buckets: bounds, registers: [reference] });
  const c = new Counter({ name: 'r_total', help: 'r', labelNames: ['operation', 'status_class'], registers: [reference] });
  // bucket edges, values between them, above the last bound, zero
  const samples: [string, string, number][] = [['a', '2xx', 0.001], ['a', '2xx', 0.0010001], ['a', '2xx', 0.005], ['a', '4xx', 0], ['b', '2xx', 0.1], ['b', '2xx', 7], ['a', '2xx', 0.02]];
  for (const [op, cls, s] of samples) {
    series.started(op);
    series.finished(op, op, cls, s);
    h.observe({ operation: op, status_class: cls }, s);
    c.inc({ operation: op, status_class: cls });
  }
  series.finished(undefined, 'unrouted', '5xx', 0.5);
  h.observe({ operation: 'unrouted', status_class: '5xx' }, 0.5);
  c.inc({ operation: 'unrouted', status_class: '5xx' });
  const text = async (r: Registry) => (await r.metrics()).split('\n').filter((l) => l.startsWith('d_seconds') || l.startsWith('r_total')).sort();
  assert.deepEqual(await text(ours), await text(reference));
  const inFlight = (await ours.getMetricsAsJSON()).find((m) => m.name === 'f')!.values;
  assert.deepEqual(inFlight.map((v) => [v.labels.operation, v.value]), [['a', 0], ['b', 0]]);
});
