/**
 * `npm run bench -- --vs-glance`: the same scenarios against Debian's glance-api (started as the
 * differential lane starts it: scripts/glance-local.sh, one process, sqlite, file store) and
 * against this service with WORKERS=1 and WORKERS=2 (embedded store, Keystone tokens), all three
 * validating the same Keystone's tokens. Sides alternate per scenario and round (Glance, then
 * WORKERS=1, then WORKERS=2), so a busy machine slows all of them alike; the best round counts.
 *
 *   npm run bench -- --vs-glance [--duration S] [--rounds N] [--connections N] [--data-mib N] [--images N]
 *
 * Needs the Debian packages keystone and glance-api (scripts/e2e-setup.sh glance-api ...).
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { PROJECT_ROOT } from '../src/openapi.js';
import { startKeystone, PASSWORD, keystoneUnavailableReason } from '../test/helpers/keystone.js';
import { glanceUnavailableReason, startGlance } from '../test/conformance/glance.js';
import { drive, type RequestSpec } from './lib/load.js';
import { freePort, startChild, type Child } from './lib/proc.js';

const execFileP = promisify(execFile);
const { values: argv } = parseArgs({
  options: {
    'vs-glance': { type: 'boolean' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    'data-mib': { type: 'string', default: '128' },
    images: { type: 'string', default: '100' },
  },
  strict: false,
});
const DURATION = Number(argv.duration);
const ROUNDS = Number(argv.rounds);
const CONN = Number(argv.connections);
const DATA_MIB = Number(argv['data-mib']);
const IMAGES = Number(argv.images);
const log = (m: string) => process.stderr.write(`[vs-glance] ${m}\n`);

for (const why of [keystoneUnavailableReason(), glanceUnavailableReason()]) {
  if (why) {
    process.stderr.write(`cannot run --vs-glance: ${why}\n`);
    process.exit(2);
  }
}

interface Side {
  label: string;
  base: string;
  token: string;
  imageId: string;
  stop(): Promise<void>;
}

async function json(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(base + path, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${(await r.text()).slice(0, 300)}`);
  return r.status === 204 ? null : r.json();
}

async function transfer(method: 'PUT' | 'GET', url: string, token: string, file: string, bytes: number): Promise<number> {
  const headers: Record<string, string> = { 'x-auth-token': token };
  if (method === 'PUT') Object.assign(headers, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
  const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'lib', 'transfer-client.ts'), JSON.stringify({ method, url, headers, file, bytes })], { cwd: PROJECT_ROOT, maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout) as { status: number; got: number; secs: number };
  if (r.status >= 300 || (method === 'GET' && r.got !== bytes)) throw new Error(`${method} ${url}: ${r.status}, ${r.got} bytes`);
  return bytes / 1048576 / r.secs;
}

/** A few images (one with data, for show), the same on every side. */
async function seed(base: string, token: string): Promise<string> {
  let first = '';
  for (let i = 0; i < IMAGES; i++) {
    const img = await json(base, token, 'POST', '/v2/images', { name: `bench-${i}`, disk_format: 'raw', container_format: 'bare', visibility: 'private' });
    first ||= img.id;
  }
  return first;
}

const work = mkdtempSync(join(tmpdir(), 'glance-vs-'));
const source = join(work, 'source.img');
{
  const fd = openSync(source, 'w');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < DATA_MIB; i++) {
    block.writeUInt32BE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
}

const sides: Side[] = [];
let ks: Awaited<ReturnType<typeof startKeystone>> | undefined;
try {
  log('starting Keystone');
  ks = await startKeystone({ timeoutMs: 900_000 }); // a busy machine can take minutes
  const token = await ks.token('admin');
  log('starting glance-api (one process)');
  const glance = await startGlance(ks, {});
  sides.push({ label: 'Glance 25', base: glance.url, token, imageId: await seed(glance.url, token), stop: glance.stop });

  for (const workers of [1, 2]) {
    log(`starting the service with WORKERS=${workers}`);
    const port = await freePort();
    const child: Child = await startChild({
      name: `service-w${workers}`,
      command: process.execPath,
      args: ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'main.ts')],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        WORKERS: String(workers),
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: join(work, `data-w${workers}`),
        AUTH_MODE: 'keystone',
        KEYSTONE_URL: ks.url,
        KEYSTONE_USERNAME: 'glance',
        KEYSTONE_PASSWORD: PASSWORD,
        KEYSTONE_PROJECT: 'service',
        IMAGE_CACHE_ENABLED: 'false',
      },
      port,
      healthPath: '/healthz',
      logFile: join(work, `service-w${workers}.log`),
      timeoutMs: 180_000,
      cwd: PROJECT_ROOT,
    });
    // /healthz answers from worker 0; wait until every worker has started
    await new Promise((r) => setTimeout(r, workers > 1 ? 30_000 : 0));
    sides.push({ label: `WORKERS=${workers}`, base: child.url, token, imageId: await seed(child.url, token), stop: child.stop });
  }
  for (const s of sides) {
    // one image with data, for show and download
    const small = Buffer.alloc(1024, 1);
    const r = await fetch(`${s.base}/v2/images/${s.imageId}/file`, { method: 'PUT', headers: { 'x-auth-token': s.token, 'content-type': 'application/octet-stream' }, body: small });
    if (r.status !== 204) throw new Error(`${s.label}: upload answered ${r.status}`);
  }

  const scenarios: { name: string; spec: (s: Side) => RequestSpec }[] = [
    { name: 'namespace show', spec: () => ({ method: 'GET', path: '/v2/metadefs/namespaces/OS::Compute::Hypervisor' }) },
    { name: 'namespace list', spec: () => ({ method: 'GET', path: '/v2/metadefs/namespaces' }) },
    { name: 'namespace list by resource type', spec: () => ({ method: 'GET', path: '/v2/metadefs/namespaces?resource_types=OS::Glance::Image' }) },
    { name: 'namespace properties list', spec: () => ({ method: 'GET', path: '/v2/metadefs/namespaces/OS::Compute::Libvirt/properties' }) },
    { name: 'namespace objects list', spec: () => ({ method: 'GET', path: '/v2/metadefs/namespaces/OS::Software::DBMS/objects' }) },
    { name: 'single property show', spec: () => ({ method: 'GET', path: '/v2/metadefs/namespaces/OS::Compute::LibvirtImage/properties/hw_disk_bus' }) },
    { name: 'resource types list', spec: () => ({ method: 'GET', path: '/v2/metadefs/resource_types' }) },
    { name: 'image show', spec: (s) => ({ method: 'GET', path: `/v2/images/${s.imageId}` }) },
    { name: 'image list, 25 per page', spec: () => ({ method: 'GET', path: '/v2/images?limit=25' }) },
  ];
  const best = new Map<string, number>();
  const key = (scenario: string, side: string) => `${scenario}\u0000${side}`;
  const keep = (k: string, v: number) => best.set(k, Math.max(best.get(k) ?? 0, v));
  for (const sc of scenarios) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of sides) {
        const spec = sc.spec(s);
        spec.headers = { 'x-auth-token': s.token, accept: 'application/json' };
        await drive(s.base, spec, CONN, 1); // warm-up
        const r = await drive(s.base, spec, CONN, DURATION);
        log(`${sc.name} / ${s.label}: ${r.rps.toFixed(1)} req/s, p99 ${r.p99} ms, ${r.errors} errors of ${r.total}`);
        keep(key(sc.name, s.label), r.errors > r.total / 100 ? 0 : r.rps);
      }
    }
  }
  const up = `upload ${DATA_MIB} MiB`;
  const down = `download ${DATA_MIB} MiB`;
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of sides) {
      const img = await json(s.base, s.token, 'POST', '/v2/images', { name: 'bench-data', disk_format: 'raw', container_format: 'bare' });
      const u = await transfer('PUT', `${s.base}/v2/images/${img.id}/file`, s.token, source, DATA_MIB << 20);
      const d = await transfer('GET', `${s.base}/v2/images/${img.id}/file`, s.token, source, DATA_MIB << 20);
      log(`${s.label}: upload ${u.toFixed(0)} MiB/s, download ${d.toFixed(0)} MiB/s`);
      keep(key(up, s.label), u);
      keep(key(down, s.label), d);
      await json(s.base, s.token, 'DELETE', `/v2/images/${img.id}`);
    }
  }

  // The table: Glance, then each service side with its ratio to Glance.
  const rows = [...scenarios.map((s) => ({ name: s.name, unit: 'req/s' })), { name: up, unit: 'MiB/s' }, { name: down, unit: 'MiB/s' }];
  const head = ['Path', 'unit', ...sides.flatMap((s, i) => (i === 0 ? [s.label] : [s.label, 'ratio']))];
  const cells = rows.map((r) => {
    const g = best.get(key(r.name, sides[0].label)) ?? 0;
    return [r.name, r.unit, fmt(g), ...sides.slice(1).flatMap((s) => {
      const v = best.get(key(r.name, s.label)) ?? 0;
      return [fmt(v), g > 0 ? `${(v / g).toFixed(v / g >= 10 ? 0 : 1)}×` : '-'];
    })];
  });
  const all = [head, ...cells];
  const widths = head.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => '| ' + c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ') + ' |';
  process.stdout.write(`\n${CONN} connections, ${DURATION} s per run, best of ${ROUNDS} alternating rounds; 0 = more than 1% errors\n`);
  process.stdout.write([line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n') + '\n');
} finally {
  for (const s of sides.reverse()) await s.stop().catch(() => undefined);
  await ks?.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}
