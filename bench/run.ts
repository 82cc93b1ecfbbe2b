/**
 * `npm run bench`: the service in production mode (compiled, `node dist/src/main.js`) against
 * the embedded store (or MONGODB_URI), a seeded data set, autocannon at several
 * concurrencies, and each scenario's limit measured in the same run. Prints one table.
 *
 *   npm run bench -- [--quick] [--only a,b] [--images N] [--duration S] [--rounds N] [--connections 1,16,64]
 *                    [--no-build] [--no-data] [--data-mib N] [--profile DIR] [--json FILE]
 *   npm run bench -- --vs-glance [...]   (against Debian's glance-api: bench/vs-glance.ts)
 *
 * Method and figures: docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { MongoClient, BSON, type Db } from 'mongodb';
import { mintToken } from '../src/authn/jwt.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/db/embedded.js';
import { loadOpenApiDocument, PROJECT_ROOT } from '../src/openapi.js';
import { freePort, RssSampler, startChild, type Child } from './lib/proc.js';
import { drive, type LoadResult, type RequestSpec } from './lib/load.js';
import { cloneImages, project, snapshot, type Clone, type Template } from './lib/seed.js';
import { fmt, formatTable, mib, type Row } from './lib/table.js';
import { runDataScenarios } from './lib/data.js';
import { benchInProcess, indexFromCorpus, SAMPLE_FLAVOR_SPECS } from '../src/services/validation/bench.js';
import type { LimitConfig } from './limit-server.js';
import { buildContext } from '../src/authn/context.js';
import { createAuthorizer } from '../src/authz/authorizer.js';
import { parseListQuery, visibilityPredicates } from '../src/services/image-list-query.js';
import { UNLISTED_STATUSES } from '../src/domain/image-status.js';

// the side-by-side run against Debian's glance-api is a program of its own
if (process.argv.includes('--vs-glance')) {
  await import('./vs-glance.js');
  process.exit(0);
}

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    images: { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'no-data': { type: 'boolean', default: false },
    'data-mib': { type: 'string' },
    profile: { type: 'string' },
    json: { type: 'string' },
    'log-level': { type: 'string' },
  },
});

const quick = argv.quick!;
const IMAGES = Number(argv.images ?? (quick ? 2000 : 10_000));
const SMALL = Math.min(1000, IMAGES);
const DURATION = Number(argv.duration ?? (quick ? 2 : 3));
const WARMUP = 1;
const ROUNDS = Number(argv.rounds ?? 1);
const MIN_SAMPLES = 20;
const CONNECTIONS = (argv.connections ?? (quick ? '16' : '1,16,64')).split(',').map(Number);
const DATA_MIB = Number(argv['data-mib'] ?? (quick ? 256 : 1024));
const ONLY = argv.only ? new Set(argv.only.split(',')) : null;
const LOG_LEVEL = argv['log-level'] ?? 'info';

const ISSUER = 'glance-bench';
const AUDIENCE = 'image';

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ---------------------------------------------------------------- document probing

const doc = loadOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
const norm = (p: string) => p.replace(/\{[^}]+\}/g, '{}');
const available = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${norm(p)}`)));
const has = (method: string, path: string) => available.has(`${method} ${norm(path)}`);

// ---------------------------------------------------------------- HTTP helper

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): any;
}

function http(base: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  let data: string | undefined;
  if (opts.body !== undefined) {
    data = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(data));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function expect(r: Promise<Reply>, status: number | number[], what: string): Promise<Reply> {
  const reply = await r;
  const ok = Array.isArray(status) ? status.includes(reply.status) : reply.status === status;
  if (!ok) throw new Error(`${what}: HTTP ${reply.status} ${reply.body.toString('utf8').slice(0, 400)}`);
  return reply;
}

// ---------------------------------------------------------------- scenarios

type LimitKind = 'bytes' | 'driver' | 'validator';
interface Scenario {
  name: string;
  spec: RequestSpec;
  /** Where the limit is served (path on the limit server), and what kind it is. */
  limit?: { kind: LimitKind; spec: RequestSpec };
  budget?: number;
  expectStatus?: number;
  /** Overrides of the run's concurrencies and seconds per run. */
  connections?: number[];
  seconds?: number;
}

const rows: Row[] = [];
const raw: Record<string, unknown>[] = [];

function row(s: Scenario, conc: number, r: LoadResult, lim: LoadResult | null, rss: number): void {
  const ratio = lim ? r.rps / lim.rps : NaN;
  // Fewer than MIN_SAMPLES answers in a run (store-bound pages at high concurrency on the
  // embedded store) cannot support a verdict either way.
  const pass = s.budget === undefined || !lim ? '-' : r.total < MIN_SAMPLES || lim.total < MIN_SAMPLES ? 'LOW-N' : ratio >= s.budget && r.errors === 0 ? 'PASS' : 'FAIL';
  rows.push({
    scenario: s.name,
    conc,
    rate: fmt(r.rps),
    p50: fmt(r.p50, 1),
    p99: fmt(r.p99, 1),
    errors: String(r.errors),
    limit: lim ? fmt(lim.rps) + (s.limit ? ` (${s.limit.kind})` : '') : '-',
    ratio: lim ? fmt(ratio, 2) : '-',
    budget: s.budget !== undefined && lim ? `>=${s.budget.toFixed(2)}` : '-',
    result: pass,
    rss: mib(rss),
  });
  raw.push({ scenario: s.name, connections: conc, service: r, limit: lim, ratio, budget: s.budget ?? null, result: pass, peakRssBytes: rss });
}

// ---------------------------------------------------------------- main

const work = mkdtempSync(join(tmpdir(), 'glance-bench-'));
let embedded: EmbeddedMongo | undefined;
let service: Child | undefined;
let limits: Child | undefined;
let client: MongoClient | undefined;
let sampler: RssSampler | undefined;

async function cleanup(): Promise<void> {
  sampler?.stop();
  await limits?.stop().catch(() => undefined);
  await service?.stop().catch(() => undefined);
  if (client && process.env.MONGODB_URI) await client.db(DB).dropDatabase().catch(() => undefined);
  await client?.close().catch(() => undefined);
  await embedded?.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

const DB = `bench_${randomUUID().replace(/-/g, '').slice(0, 8)}`;

async function main(): Promise<void> {
  const t0 = Date.now();
  if (!argv['no-build']) {
    log('building (npm run build)');
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    // tsc still emits JavaScript when a type check fails; measure it, but say so loudly.
    if (b.status !== 0) log('WARNING: npm run build reported type errors; benchmarking the JavaScript it emitted');
  }
  const main = join(PROJECT_ROOT, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run without --no-build`);

  let uri = process.env.MONGODB_URI;
  if (!uri) {
    log('starting the embedded store (jongodb)');
    embedded = await startEmbeddedMongo({});
    uri = embedded.uri;
  }
  client = new MongoClient(uri, { maxPoolSize: 20 });
  await client.connect();
  const db = client.db(DB);

  // A signing key the bench controls: the service trusts its public half (JWKS file).
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'bench' };
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'bench' }] }));
  const token = (projectId: string, roles: string[]) =>
    mintToken(privateJwk, { sub: `user-${projectId}`, project_id: projectId, roles }, { issuer: ISSUER, audience: AUDIENCE, expiresIn: '6h' });

  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    WORKERS: process.env.BENCH_WORKERS ?? '1',
    LOG_LEVEL,
    MONGODB_URI: uri,
    MONGODB_DB: DB,
    AUTH_MODE: 'jwt',
    JWT_PUBLIC_KEY_FILE: jwksFile,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    DATA_DIR: dataDir,
    // The image cache, sized for the data scenario's image (download from the store vs from the cache).
    IMAGE_CACHE_ENABLED: 'true',
    IMAGE_CACHE_DIR: join(work, 'image-cache'),
    IMAGE_CACHE_MAX_SIZE: String(2 * DATA_MIB * 1048576),
    ...(process.env.BENCH_SERVICE_ENV ? (JSON.parse(process.env.BENCH_SERVICE_ENV) as Record<string, string>) : {}),
  };

  // The 33 standard namespaces, through the project's own loader, before the service starts.
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const corpus = process.env.BENCH_METADEFS_DIR ?? join(PROJECT_ROOT, 'etc', 'metadefs');
  let namespacesLoaded = false;
  if (pkg.scripts.metadefs) {
    log(`loading the standard namespaces from ${corpus}`);
    const r = spawnSync('npm', ['run', '-s', 'metadefs', '--', 'load', corpus], { cwd: PROJECT_ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
    if (r.status !== 0) log(`metadefs load failed (${r.status}): ${(r.stderr || r.stdout).slice(-600)}`);
    else namespacesLoaded = true;
  } else log('no `npm run metadefs` yet: namespace scenarios skipped');

  const port = await freePort();
  const nodeArgs = argv.profile ? ['--cpu-prof', `--cpu-prof-dir=${argv.profile}`] : [];
  log(`starting the service: node ${[...nodeArgs, 'dist/src/main.js'].join(' ')} (NODE_ENV=production, port ${port})`);
  service = await startChild({ name: 'service', command: process.execPath, args: [...nodeArgs, main], env: { ...env, HOST: '127.0.0.1', PORT: String(port) }, port, healthPath: '/healthz', logFile: join(work, 'service.log'), cwd: PROJECT_ROOT });
  sampler = new RssSampler(service.pid);
  const base = service.url;

  const member = await token(project(0), ['member', 'reader']);
  const admin = await token('bench-admin', ['admin', 'member', 'reader']);
  const auth = { 'X-Auth-Token': member };

  // ------------------------------------------------------------ seeding images
  let clones: Clone[] = [];
  let template: Template | undefined;
  let snap: Awaited<ReturnType<typeof snapshot>> = [];
  const baseTime = Date.UTC(2025, 0, 1);
  const TIERS = ['gold', 'silver', 'bronze', 'iron'];
  let imagesApi = has('POST', '/v2/images') && has('GET', '/v2/images/{}');
  if (imagesApi) {
    const probe = await http(base, 'GET', '/v2/images?limit=1', { token: member });
    if (probe.status !== 200) {
      log(`images API not usable yet (GET /v2/images: ${probe.status}): image scenarios skipped`);
      imagesApi = false;
    }
  }
  if (imagesApi) {
    template = { imageId: '', owner: project(0), member: 'bench-tplmember', name: 'bench-template', varying: { 'tier-TPL': TIERS, 'os-TPL': ['ubuntu', 'debian', 'fedora', 'centos', 'windows'] } };
    const created = await expect(
      http(base, 'POST', '/v2/images', {
        token: member,
        body: { name: template.name, disk_format: 'qcow2', container_format: 'bare', visibility: 'shared', tags: ['bench', 'seed', 'tier-TPL'], bench_tier: 'tier-TPL', os_distro: 'os-TPL', hw_disk_bus: 'virtio', description: 'Benchmark image cloned in bulk' },
      }),
      201,
      'create the template image',
    );
    template.imageId = created.json().id;
    if (has('POST', '/v2/images/{}/members')) {
      await expect(http(base, 'POST', `/v2/images/${template.imageId}/members`, { token: member, body: { member: template.member } }), 200, 'add a member to the template');
      const other = await token(template.member, ['member', 'reader']);
      if (has('PUT', '/v2/images/{}/members/{}'))
        await expect(http(base, 'PUT', `/v2/images/${template.imageId}/members/${template.member}`, { token: other, body: { status: 'accepted' } }), 200, 'accept the membership');
    }
    snap = await snapshot(db, template.imageId);
    log(`template image ${template.imageId}: cloning ${snap.map((s) => `${s.docs.length} ${s.collection} doc(s)`).join(', ')} per image`);
    const t = Date.now();
    clones = await cloneImages(db, template, snap, 0, SMALL, baseTime);
    log(`seeded ${clones.length} images in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  } else log('no images API yet: image scenarios skipped');

  // ------------------------------------------------------------ limit server
  const limitPort = await freePort();
  const limitCfg: LimitConfig = { port: limitPort, bytes: [], validation: [], driver: { uri, db: DB, show: [], lists: [] } };
  const scenarios: { s: Scenario; phase: 'small' | 'full' | 'late' }[] = [];
  const want = (name: string) => !ONLY || ONLY.has(name) || [...ONLY].some((o) => name.startsWith(o));

  /** Captures the real endpoint's response and registers a bare express route replaying it. */
  const bytesLimit = async (name: string, method: 'GET', path: string, routePath: string): Promise<Scenario['limit']> => {
    const r = await expect(http(base, method, path, { token: member }), 200, `capture ${name}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    limitCfg.bytes.push({ method, path: routePath, status: r.status, headers, bodyBase64: r.body.toString('base64') });
    return { kind: 'bytes', spec: { method, path: path } };
  };

  // The pipeline alone (authn, routing, validation, respond) on a static authenticated read.
  if (has('GET', '/v2/info/import') && want('pipeline'))
    scenarios.push({ phase: 'small', s: { name: 'pipeline: GET /v2/info/import', spec: { method: 'GET', path: '/v2/info/import', headers: auth }, limit: await bytesLimit('info import', 'GET', '/v2/info/import', '/v2/info/import') } });

  if (namespacesLoaded && has('GET', '/v2/metadefs/namespaces/{}')) {
    const ns = 'OS::Compute::CPUPinning';
    if (want('namespace show'))
      scenarios.push({ phase: 'small', s: { name: 'namespace show', spec: { method: 'GET', path: `/v2/metadefs/namespaces/${ns}`, headers: auth }, limit: await bytesLimit('namespace show', 'GET', `/v2/metadefs/namespaces/${ns}`, '/v2/metadefs/namespaces/:ns'), budget: 0.5 } });
  }
  if (namespacesLoaded && has('GET', '/v2/metadefs/namespaces')) {
    // one bare route for both lists: express routes on the path, the query selects the captured body
    const list = await expect(http(base, 'GET', '/v2/metadefs/namespaces?limit=100', { token: member }), 200, 'capture namespace list');
    const rt = await expect(http(base, 'GET', '/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor', { token: member }), 200, 'capture namespace list by resource type');
    log(`namespace list: ${list.json().namespaces.length} namespaces (${list.body.length} bytes); for OS::Nova::Flavor: ${rt.json().namespaces.length}`);
    const hdr = (r: Reply) => {
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(k)) h[k] = Array.isArray(v) ? v.join(', ') : v;
      return h;
    };
    limitCfg.bytes.push({ method: 'GET', path: '/bytes/ns-list', status: 200, headers: hdr(list), bodyBase64: list.body.toString('base64') });
    limitCfg.bytes.push({ method: 'GET', path: '/bytes/ns-list-rt', status: 200, headers: hdr(rt), bodyBase64: rt.body.toString('base64') });
    if (want('namespace list'))
      scenarios.push({ phase: 'small', s: { name: 'namespace list (limit 100)', spec: { method: 'GET', path: '/v2/metadefs/namespaces?limit=100', headers: auth }, limit: { kind: 'bytes', spec: { method: 'GET', path: '/bytes/ns-list' } }, budget: 0.5 } });
    if (want('namespace list'))
      scenarios.push({ phase: 'small', s: { name: 'namespace list (resource_types)', spec: { method: 'GET', path: '/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor', headers: auth }, limit: { kind: 'bytes', spec: { method: 'GET', path: '/bytes/ns-list-rt' } }, budget: 0.5 } });
  }

  // Property validation: flavor extra specs as a scheduler sends them (strings), 14 keys.
  if (namespacesLoaded && has('POST', '/v2/metadefs/resource_types/{}/validate') && want('validation')) {
    const rt = 'OS::Nova::Flavor';
    const props = (n: number): Record<string, string> => ({
      'hw:cpu_policy': n % 5 === 4 ? 'sometimes' : 'dedicated',
      'hw:cpu_thread_policy': 'prefer',
      'hw:mem_page_size': 'large',
      'hw:cpu_sockets': String(1 + (n % 4)),
      'hw:cpu_cores': '4',
      'hw:cpu_threads': '1',
      'hw:watchdog_action': 'reset',
      'hw_rng:allowed': 'true',
      'hw_rng:rate_bytes': '1024',
      'quota:cpu_limit': '2000',
      'hw:boot_menu': 'true',
      'hw:serial_port_count': '2',
      'capabilities:cpu_info:vendor': 'Intel',
      'custom:unknown_key': 'x',
    });
    const single = JSON.stringify({ properties: props(0) });
    const batch = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ properties: props(i) })) });
    const probe = await expect(http(base, 'POST', `/v2/metadefs/resource_types/${rt}/validate`, { token: member, body: JSON.parse(single) }), 200, 'validate');
    const verdicts = Object.values((probe.json() as { properties: Record<string, { status: string }> }).properties).map((p) => p.status);
    log(`validation probe: ${verdicts.filter((v) => v === 'valid').length} valid, ${verdicts.filter((v) => v === 'invalid').length} invalid, ${verdicts.filter((v) => v === 'unknown').length} unknown`);
    limitCfg.validation.push({ path: '/validator/single', corpusDir: corpus, resourceType: rt, batch: false });
    limitCfg.validation.push({ path: '/validator/batch', corpusDir: corpus, resourceType: rt, batch: true });
    const post = (path: string, body: string): RequestSpec => ({ method: 'POST', path, headers: { ...auth, 'content-type': 'application/json' }, body });
    scenarios.push({ phase: 'small', s: { name: 'validate (14 keys)', spec: post(`/v2/metadefs/resource_types/${rt}/validate`, single), limit: { kind: 'validator', spec: post('/validator/single', single) }, budget: 0.5 } });
    if (has('POST', '/v2/metadefs/resource_types/{}/validate/batch'))
      scenarios.push({ phase: 'small', s: { name: 'validate batch (20 x 14 keys)', spec: post(`/v2/metadefs/resource_types/${rt}/validate/batch`, batch), limit: { kind: 'validator', spec: post('/validator/batch', batch) }, budget: 0.5 } });
  }

  // The raw-driver equivalents of the service's image queries (see docs/performance.md).
  // The filter is built with the service's own functions (policy filter, list-query parser,
  // default visibility predicates), so the driver runs the very query the service sends.
  const P = project(0);
  if (imagesApi) {
    const ctx = buildContext('req-bench', { userId: `user-${P}`, projectId: P, roles: ['member', 'reader'], expiresAt: Date.now() + 3600_000 });
    const read = createAuthorizer().filter(ctx, 'get_image', 'Image');
    const listQuery = (qs: string) => {
      const q = parseListQuery(new URLSearchParams(qs), { defaultLimit: 25, maxLimit: 1000 });
      const filter = { $and: [{ deleted: false, status: { $nin: [...UNLISTED_STATUSES] } }, read, ...visibilityPredicates(ctx, q), ...q.predicates] };
      const sort: Record<string, 1 | -1> = {};
      for (const k of q.sort) sort[k.key === 'id' ? '_id' : k.key] = k.dir === 'asc' ? 1 : -1;
      return { filterEjson: BSON.EJSON.stringify(filter), sort, limit: q.limit };
    };
    limitCfg.driver!.show.push({ path: '/raw/images/:id', collection: 'images' });
    limitCfg.driver!.create = { path: '/raw/images', collection: 'images', templateEjson: BSON.EJSON.stringify(snap.find((x) => x.collection === 'images')?.docs[0] ?? {}) };
    limitCfg.driver!.patch = { path: '/raw/images/:id', collection: 'images' };
    limitCfg.driver!.lists.push({ path: '/raw/images', collection: 'images', ...listQuery(''), key: 'images' });
    limitCfg.driver!.lists.push({ path: '/raw/images-gold', collection: 'images', ...listQuery('bench_tier=gold'), key: 'images' });
    if (want('image list'))
      scenarios.push({ phase: 'small', s: { name: `image list @${SMALL}`, spec: { method: 'GET', path: '/v2/images', headers: auth }, limit: { kind: 'driver', spec: { method: 'GET', path: '/raw/images' } }, budget: 0.5 } });
    // On the embedded store a page of the full set takes a second or more (it scans and sorts
    // the whole collection): one connection, longer runs, or the queue outlives the run.
    const slowStore = !process.env.MONGODB_URI && IMAGES > 2000 ? { connections: [1], seconds: Math.max(DURATION, 10) } : {};
    if (want('image list'))
      scenarios.push({ phase: 'full', s: { name: `image list @${IMAGES}`, spec: { method: 'GET', path: '/v2/images', headers: auth }, limit: { kind: 'driver', spec: { method: 'GET', path: '/raw/images' } }, budget: 0.5, ...slowStore } });
    if (want('image list'))
      scenarios.push({ phase: 'full', s: { name: `image list @${IMAGES} bench_tier=gold`, spec: { method: 'GET', path: '/v2/images?bench_tier=gold', headers: auth }, limit: { kind: 'driver', spec: { method: 'GET', path: '/raw/images-gold' } }, budget: 0.5, ...slowStore } });
  }

  // ------------------------------------------------------------ run
  limits = await startChild({ name: 'limit server', command: process.execPath, args: ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'limit-server.ts'), writeCfg(limitCfg)], env: { ...process.env, NODE_ENV: 'production' }, port: limitPort, healthPath: '/__health', logFile: join(work, 'limits.log'), cwd: PROJECT_ROOT });

  // Service and limit run alternately ROUNDS times; the best run of each counts (the machine is
  // shared, so the best run is the one least disturbed by other work).
  const best = (a: LoadResult | null, b: LoadResult) => (!a || b.rps > a.rps ? b : a);
  const runScenario = async (s: Scenario) => {
    const seconds = s.seconds ?? DURATION;
    for (const c of s.connections ?? CONNECTIONS) {
      let r: LoadResult | null = null;
      let lim: LoadResult | null = null;
      let rss = 0;
      let errors = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await drive(base, s.spec, c, WARMUP);
        sampler!.window();
        const one = await drive(base, s.spec, c, seconds);
        rss = Math.max(rss, sampler!.peakBytes());
        errors += one.errors;
        r = best(r, one);
        if (s.limit) {
          await drive(limits!.url, s.limit.spec, c, WARMUP);
          const l = await drive(limits!.url, s.limit.spec, c, seconds);
          if (l.errors) log(`${s.name} limit: ${l.errors} errors`);
          lim = best(lim, l);
        }
      }
      r = { ...r!, errors };
      row(s, c, r, lim, rss);
      log(`${s.name} c=${c}: ${fmt(r.rps)} req/s p99 ${fmt(r.p99, 1)} ms, errors ${r.errors}${lim ? `; limit ${fmt(lim.rps)} req/s` : ''}`);
    }
  };

  for (const { s } of scenarios.filter((x) => x.phase === 'small')) await runScenario(s);

  // Store-bound requests still queued in the service when a run ends (writes, list pages on the
  // embedded store) would slow every later scenario: wait until a single read is quick again.
  const drain = async () => {
    if (!imagesApi) return;
    const probe = clones.find((c) => c.owner === P)!.id;
    const until = Date.now() + 180_000;
    for (;;) {
      const t = Date.now();
      await http(base, 'GET', `/v2/images/${probe}`, { token: member });
      if (Date.now() - t < 250 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  // Writes run at the small data set, after its reads: the embedded store's write cost grows
  // with the collection (at 10,000 images a create takes seconds), and requests still queued in
  // the service when a run ends would delay every later scenario.
  if (imagesApi && want('image create')) {
    await runScenario({
      name: `image create @${SMALL}`,
      spec: { method: 'POST', path: '/v2/images', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench-new', disk_format: 'raw', container_format: 'bare', bench_tier: 'gold', tags: ['bench'] }) },
      limit: { kind: 'driver', spec: { method: 'POST', path: '/raw/images', headers: { 'content-type': 'application/json' }, body: '{}' } },
    });
  }
  await drain();
  if (imagesApi && has('PATCH', '/v2/images/{}') && want('image patch')) {
    const own = clones.filter((c) => c.owner === P).map((c) => c.id);
    let n = 0;
    await runScenario({
      name: `image patch (json-patch) @${SMALL}`,
      spec: {
        method: 'PATCH',
        path: `/v2/images/${own[0]}`,
        headers: { ...auth, 'content-type': 'application/openstack-images-v2.1-json-patch' },
        body: '[]',
        vary: () => {
          n++;
          return { path: `/v2/images/${own[n % own.length]}`, body: JSON.stringify([{ op: 'replace', path: '/bench_tier', value: `tier-${n % 7}` }, { op: 'add', path: '/bench_counter', value: String(n) }]) };
        },
      },
      limit: { kind: 'driver', spec: { method: 'PATCH', path: `/raw/images/${own[0]}`, vary: () => ({ path: `/raw/images/${own[n++ % own.length]}` }) } },
    });
  }



  await drain();

  // ------------------------------------------------------------ data
  // At the small data set too: an upload checks the owner's quota usage (sums over their
  // images), a collection scan on the embedded store that real MongoDB answers from an index.
  if (imagesApi && has('PUT', '/v2/images/{}/file') && !argv['no-data'] && want('data')) {
    rows.push(...(await runDataScenarios({ base, token: member, sampler, work: dataDir, mib: DATA_MIB, rounds: ROUNDS, log })));
  }

  if (imagesApi && template && IMAGES > SMALL) {
    const t = Date.now();
    clones = clones.concat(await cloneImages(db, template, snap, SMALL, IMAGES, baseTime));
    log(`seeded up to ${clones.length} images in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  // Image show: random images the caller owns; the raw driver reads the same ids.
  if (imagesApi && want('image show')) {
    const own = clones.filter((c) => c.owner === P).map((c) => c.id);
    const pick = () => own[Math.floor(Math.random() * own.length)];
    await expect(http(base, 'GET', `/v2/images/${own[0]}`, { token: member }), 200, 'image show');
    await runScenario({
      name: 'image show',
      spec: { method: 'GET', path: `/v2/images/${own[0]}`, headers: auth, vary: () => ({ path: `/v2/images/${pick()}` }) },
      limit: { kind: 'driver', spec: { method: 'GET', path: `/raw/images/${own[0]}`, vary: () => ({ path: `/raw/images/${pick()}` }) } },
      budget: 0.5,
    });
  }

  for (const { s } of scenarios.filter((x) => x.phase === 'full')) await runScenario(s);
  await drain();



  // ------------------------------------------------------------ validation in-process
  // The validator as the service runs it, next to raw ajv on the same compiled schemas
  // (src/services/validation/bench.ts; CPU-time rates, so a busy machine skews both alike).
  if (want('validation')) {
    const corpus = join(PROJECT_ROOT, 'etc', 'metadefs');
    const cases: [string, string, Record<string, unknown>][] = [
      ['validate in-process (flavor, 14 keys)', 'OS::Nova::Flavor', { ...SAMPLE_FLAVOR_SPECS }],
      ['validate in-process (image, 8 keys)', 'OS::Glance::Image', { hw_cpu_policy: 'dedicated', hw_watchdog_action: 'reset', os_type: 'linux', hypervisor_type: 'kvm', hw_disk_bus: 'virtio', hw_qemu_guest_agent: 'yes', hw_cpu_sockets: '2', my_own: 'x' }],
    ];
    for (const [name, rt, props] of cases) {
      const r = benchInProcess(indexFromCorpus(corpus, rt), props, { durationMs: quick ? 1000 : 3000 });
      rows.push({ scenario: name, conc: 1, rate: fmt(r.validationsPerSec), p50: '-', p99: '-', errors: '0', limit: `${fmt(r.rawAjvPerSec)} (raw ajv)`, ratio: fmt(r.ratio, 2), budget: '>=0.50', result: r.ratio >= 0.5 ? 'PASS' : 'FAIL', rss: '-' });
    }
  }

  const table = formatTable(rows);
  process.stdout.write(`\nglance-ts benchmark — ${new Date().toISOString()} — ${IMAGES} images, ${DURATION}s per run, connections ${CONNECTIONS.join('/')}${quick ? ' (quick)' : ''}\n`);
  process.stdout.write(`store: ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded jongodb'}; service: node dist/src/main.js, NODE_ENV=production, LOG_LEVEL=${LOG_LEVEL}\n\n`);
  process.stdout.write(table + '\n\n');
  const failed = rows.filter((r) => r.result === 'FAIL').length;
  const lowN = rows.filter((r) => r.result === 'LOW-N').length;
  process.stdout.write(`${rows.filter((r) => r.result === 'PASS').length} pass, ${failed} fail${lowN ? `, ${lowN} with fewer than ${MIN_SAMPLES} answers per run (LOW-N: no verdict)` : ''}; total ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (argv.json) writeFileSync(argv.json, JSON.stringify({ date: new Date().toISOString(), images: IMAGES, duration: DURATION, rows: raw.concat(rows.filter((r) => r.raw).map((r) => r.raw!)) }, null, 2));
}

function writeCfg(cfg: LimitConfig): string {
  const f = join(work, 'limits.json');
  writeFileSync(f, JSON.stringify(cfg));
  return f;
}

process.once('SIGINT', () => {
  log('interrupted: stopping the service and removing the work directory');
  void cleanup().finally(() => process.exit(130));
});

try {
  await main();
  await cleanup();
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? e}`);
  if (service) log(`service log: ${service.logFile}`);
  await cleanup();
  process.exit(1);
}
