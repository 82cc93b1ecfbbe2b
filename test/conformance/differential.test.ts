/**
 * The differential lane: the same scripted requests (steps.ts), as the same Keystone users,
 * to upstream Glance (Debian's glance-api) and to this service, both configured alike (one
 * Keystone, two file stores, the standard metadefs). Status codes, the headers clients use and
 * the bodies (ids and timestamps normalised) are compared. Every difference counts; the lane
 * fails only on a difference that allowed-differences.json does not list with its reason.
 * It ends with `conformance: N steps, N same, N differ`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { keystoneUnavailableReason, startKeystone, type Keystone } from '../helpers/keystone.js';
import { startService, type Service } from '../e2e/helpers.js';
import { glanceUnavailableReason, startGlance, type Glance } from './glance.js';
import { compare, type Answer, type Aspect, type Difference } from './compare.js';
import { steps, type Step } from './steps.js';

const skip = keystoneUnavailableReason() ?? glanceUnavailableReason();
const DESCRIPTIONS = { fast: 'Fast file store', slow: 'Slow file store' };
const WEB_BYTES = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7 + 1) % 256));

interface Allowed {
  step: string;
  aspect: Aspect;
  /** Substring of the difference's detail; absent: every difference of that aspect in the step. */
  match?: string;
  reason: string;
}

const allowed: Allowed[] = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'conformance', 'allowed-differences.json'), 'utf8')).differences;

let ks: Keystone;
let glance: Glance;
let svc: Service;
let web: Server;
const tokens = new Map<string, string>();

before(async () => {
  if (skip) return;
  web = createServer((req, res) => {
    if (req.url === '/disk.raw') res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': WEB_BYTES.length }).end(WEB_BYTES);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  ks = await startKeystone();
  [glance, svc] = await Promise.all([
    startGlance(ks, DESCRIPTIONS),
    startService(ks, {
      ENABLED_BACKENDS: 'fast:file,slow:file',
      DEFAULT_BACKEND: 'fast',
      STORE_OPTIONS: JSON.stringify({ fast: { description: DESCRIPTIONS.fast }, slow: { description: DESCRIPTIONS.slow } }),
      HTTP_ALLOWED_HOSTS: '127.0.0.1',
      METADEFS_AUTOLOAD_DIR: join(PROJECT_ROOT, 'etc', 'metadefs'),
      LOG_LEVEL: 'warn',
    }),
  ]);
  for (const u of ['admin', 'alpha-admin', 'alpha-member', 'alpha-reader', 'beta-member']) tokens.set(u, await ks.token(u));
});

after(async () => {
  if (skip) return;
  await Promise.all([glance?.stop(), svc?.stop(), ks?.stop()]);
  await new Promise<void>((r) => (web ? web.close(() => r()) : r()));
});

interface SideState {
  label: string;
  base: string;
  vars: Map<string, string>;
  /** value → name, for normalising answers */
  names: Map<string, string>;
}

function send(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(base + path), { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, headers: h, bytes: Buffer.concat(chunks) });
      });
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer within 120 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const fill = (text: string, side: SideState) => text.replace(/\{([a-z0-9]+)\}/g, (m, k: string) => side.vars.get(k) ?? m);

function pick(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  return cur;
}

async function runStep(st: Step, side: SideState): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(st.headers ?? {})) headers[k] = fill(v, side);
  if (st.as) headers['X-Auth-Token'] = tokens.get(st.as)!;
  let body: Buffer | undefined = st.data;
  if (st.body !== undefined) {
    body = Buffer.from(fill(JSON.stringify(st.body), side));
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const answer = await send(side.base, st.method, fill(st.path, side), headers, body);
  if (st.save && (answer.headers.get('content-type') ?? '').includes('json')) {
    const doc = JSON.parse(answer.bytes.toString('utf8'));
    for (const [name, path] of Object.entries(st.save)) {
      const v = pick(doc, path);
      if (typeof v === 'string') {
        side.vars.set(name, v);
        side.names.set(v, name);
      }
    }
  }
  if (st.waitFor && answer.status >= 200 && answer.status < 300) await waitFor(st.waitFor, side);
  return answer;
}

async function waitFor(w: NonNullable<Step['waitFor']>, side: SideState): Promise<void> {
  const id = side.vars.get(w.image);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const a = await send(side.base, 'GET', `/v2/images/${id}`, { 'X-Auth-Token': tokens.get('admin')! });
    const img = a.status === 200 ? JSON.parse(a.bytes.toString('utf8')) : null;
    const storesOk = !w.stores || (img && String(img.stores ?? '').split(',').sort().join(',') === w.stores);
    if (img && w.status.includes(img.status) && storesOk) return;
    if (Date.now() > deadline) throw new Error(`${side.label}: image ${w.image} did not reach ${w.status.join('/')}${w.stores ? ` in ${w.stores}` : ''}: ${a.bytes.toString('utf8').slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const isAllowed = (step: string, d: Difference) => allowed.some((a) => a.step === step && a.aspect === d.aspect && (a.match === undefined || d.detail.includes(a.match)));

test('differential: the same requests to upstream Glance and to this service', { skip: skip ?? false, timeout: 900_000 }, async () => {
  const constants = new Map<string, string>(Object.entries(ks.projects));
  const side = (label: string, base: string): SideState => ({ label, base, vars: new Map(constants), names: new Map([...constants].map(([k, v]) => [v, `project:${k}`])) });
  const up = side('upstream', glance.url);
  const here = side('here', svc.url);
  const all = steps(`http://127.0.0.1:${(web.address() as { port: number }).port}`);
  let same = 0;
  let differ = 0;
  const unexpected: string[] = [];
  const used = new Set<Allowed>();
  for (const st of all) {
    // One service after the other: each sees the same sequence; timing does not interleave them.
    const a = await runStep(st, up);
    const b = await runStep(st, here);
    const diffs = compare({ answer: a, names: up.names, base: up.base }, { answer: b, names: here.names, base: here.base }, { ignoreBody: st.ignoreBody });
    if (!diffs.length) {
      same++;
      continue;
    }
    differ++;
    for (const d of diffs) {
      const hit = allowed.find((x) => x.step === st.name && x.aspect === d.aspect && (x.match === undefined || d.detail.includes(x.match)));
      if (hit) used.add(hit);
      const line = `${st.name} [${st.method} ${st.path}] ${d.aspect}: ${d.detail}`;
      if (isAllowed(st.name, d)) console.log(`  allowed  ${line}`);
      else {
        console.log(`  DIFFERS  ${line}`);
        unexpected.push(line);
      }
    }
  }
  for (const a of allowed) if (!used.has(a)) console.log(`  (allow-list entry no longer needed: ${a.step} / ${a.aspect}${a.match ? ` / ${a.match}` : ''})`);
  console.log(`conformance: ${all.length} steps, ${same} same, ${differ} differ`);
  assert.deepEqual(unexpected, [], 'differences from upstream Glance that allowed-differences.json does not list');
});
