/**
 * CPU-seconds the service spends per GiB uploaded to the file store (all its threads: the hash
 * workers included), from /proc/<pid>/stat around each upload. The client runs in a process of
 * its own (bench/lib/transfer-client.ts), so its work is not counted. Each upload is followed
 * by the floor (bench/lib/upload-floor.ts: MD5 + SHA-512 + one fsynced write of the same bytes,
 * in a process of its own), and the ratio of the two is the figure to compare across runs:
 * this kind of machine's CPU-seconds for the same work vary by a third from one minute to the next.
 *
 *   npx tsx bench/upload-cpu.ts [--mib 1024] [--rounds 3] [--profile DIR]
 *
 * `--profile DIR` runs the service with `node --cpu-prof` (written on exit) for a flame view.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/authn/jwt.js';
import { PROJECT_ROOT } from '../src/openapi.js';
import { freePort, startChild } from './lib/proc.js';

const { values: argv } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' }, profile: { type: 'string' } } });
const MIB = Number(argv.mib);
const ROUNDS = Number(argv.rounds);
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a process (all threads), in seconds. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

const dir = mkdtempSync(join(tmpdir(), 'glance-upload-cpu-'));
const file = join(dir, 'payload');
// incompressible, so nothing downstream can shortcut it
const block = Buffer.alloc(1 << 20);
for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ (i >>> 7)) >>> 0, i);
writeFileSync(file, Buffer.alloc(0));
for (let i = 0; i < MIB; i++) writeFileSync(file, block, { flag: 'a' });

const port = await freePort();
const child = await startChild({
  name: 'service',
  command: process.execPath,
  args: [...(argv.profile ? ['--cpu-prof', `--cpu-prof-dir=${argv.profile}`] : []), '--import', 'tsx', join(PROJECT_ROOT, 'src', 'main.ts')],
  env: { ...process.env, WORKERS: '1', PORT: String(port), DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', NODE_ENV: 'production', IMAGE_CACHE_ENABLED: 'false', MONGODB_URI: '' },
  port,
  healthPath: '/healthz',
  logFile: join(dir, 'service.log'),
  timeoutMs: 120_000,
  cwd: PROJECT_ROOT,
});
const { privateJwk } = JSON.parse(readFileSync(join(dir, 'data', 'dev-jwt-key.json'), 'utf8'));
const token = await mintToken(privateJwk, { sub: 'bench', project_id: 'bench', roles: ['admin', 'member', 'reader'] }, { issuer: 'glance-ts-dev', audience: 'image' });

async function createImage(): Promise<string> {
  const r = await fetch(`${child.url}/v2/images`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cpu', disk_format: 'raw', container_format: 'bare' }) });
  return ((await r.json()) as { id: string }).id;
}

const rows: { cpu: number; secs: number; floor: number }[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const id = await createImage();
    const before = cpuOf(child.pid);
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'lib', 'transfer-client.ts'), JSON.stringify({ method: 'PUT', url: `${child.url}/v2/images/${id}/file`, headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(MIB << 20) }, file, bytes: MIB << 20 })], { cwd: PROJECT_ROOT }).toString();
    const cpu = cpuOf(child.pid) - before;
    const r = JSON.parse(out) as { status: number; secs: number };
    if (r.status !== 204) throw new Error(`upload answered ${r.status}`);
    const floor = Number(execFileSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'lib', 'upload-floor.ts'), file, join(dir, 'floor')], { cwd: PROJECT_ROOT }).toString());
    rows.push({ cpu: cpu / (MIB / 1024), secs: r.secs, floor: floor / (MIB / 1024) });
    process.stdout.write(`upload ${MIB} MiB: ${(cpu / (MIB / 1024)).toFixed(2)} CPU-s/GiB, ${(MIB / r.secs).toFixed(0)} MiB/s; floor ${(floor / (MIB / 1024)).toFixed(2)} CPU-s/GiB; ratio ${(cpu / floor).toFixed(2)}\n`);
    await fetch(`${child.url}/v2/images/${id}`, { method: 'DELETE', headers: { 'x-auth-token': token } });
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(
    `median: ${median(rows.map((r) => r.cpu)).toFixed(2)} CPU-s/GiB, floor ${median(rows.map((r) => r.floor)).toFixed(2)}, ratio ${median(rows.map((r) => r.cpu / r.floor)).toFixed(2)} over ${rows.length} uploads of ${MIB} MiB\n`,
  );
} finally {
  await child.stop();
  rmSync(dir, { recursive: true, force: true });
}
