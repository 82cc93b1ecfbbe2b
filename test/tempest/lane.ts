/**
 * Tempest lane: upstream's own image API suite (Debian's `tempest` package, Tempest 33)
 * against this service, authenticated by a real Keystone. Everything runs on loopback in
 * private directories under one temporary folder, and everything started here is stopped
 * at the end:
 *
 *   embedded MongoDB → Keystone (scripts/keystone-local.sh) → fixture HTTP server (the
 *   web-download source) → the service (AUTH_MODE=keystone, two file stores) → a tempest
 *   workspace with a generated tempest.conf → `tempest run --regex '^tempest\.api\.image'`.
 *
 * Run with `npm run test:tempest` (installs what is missing first). The last line printed is
 * `tempest: N passed, N failed, N skipped`; the exit code is non-zero unless no test failed
 * and at least TEMPEST_MIN_PASSED (default 68) passed.
 *
 * Environment: TEMPEST_CONCURRENCY (workers, default 2), TEMPEST_MIN_PASSED,
 * TEMPEST_REGEX (narrow the run while debugging; the gate still applies),
 * TEMPEST_KEEP=1 (keep the temporary folder, with every log, for inspection).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { inLane } from '../helpers/lane.js';
import { freePort, keystoneUnavailableReason, PASSWORD, startKeystone, type Keystone } from '../helpers/keystone.js';
import { startService, type Service } from '../e2e/helpers.js';
import { tempestConf, tempestUnavailableReason } from './config.js';
import { summarize, type TestResult } from './results.js';

const REGEX = process.env.TEMPEST_REGEX || '^tempest\\.api\\.image';
const CONCURRENCY = Number(process.env.TEMPEST_CONCURRENCY ?? 2);
const MIN_PASSED = Number(process.env.TEMPEST_MIN_PASSED ?? 68);
const KEEP = process.env.TEMPEST_KEEP === '1';
/** Two file stores whose ids are in alphabetical order, as Tempest's multi-store waiter compares sorted ids. */
const STORES = 'cheap:file,fast:file';

const t0 = Date.now();
const log = (msg: string) => console.log(`tempest-lane: [${Math.round((Date.now() - t0) / 1000)} s] ${msg}`);

/** Runs a command, its output appended to `logFile` (and echoed when `echo`); resolves with the exit code. */
function runLogged(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; echo?: boolean }): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(opts.logFile, { flags: 'a' });
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onExit = () => child.kill('SIGKILL'); // never outlive the lane
    process.once('exit', onExit);
    for (const s of [child.stdout!, child.stderr!]) {
      s.on('data', (d: Buffer) => {
        out.write(d);
        if (opts.echo) process.stdout.write(d);
      });
    }
    child.once('error', (e) => {
      process.removeListener('exit', onExit);
      reject(e);
    });
    child.once('close', (code, sig) => {
      process.removeListener('exit', onExit);
      out.end(() => resolve(code ?? (sig ? 128 : 1)));
    });
  });
}

/** Runs a command and collects its stdout. */
function capture(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: NodeJS.ReadableStream }): Promise<{ code: number; out: Buffer; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => chunks.push(d));
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdin!.on('error', () => undefined); // the reader may exit first; its exit code tells
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, out: Buffer.concat(chunks), err }));
    if (opts.input) opts.input.pipe(child.stdin!);
    else child.stdin!.end();
  });
}

/** The bytes web-download fetches: deterministic, a little over one read buffer. */
function fixtureBytes(): Buffer {
  const b = Buffer.alloc(300_000);
  for (let i = 0; i < b.length; i++) b[i] = (i * 2654435761) >>> 24;
  return b;
}

async function main(): Promise<number> {
  const unavailable = keystoneUnavailableReason() ?? tempestUnavailableReason();
  if (unavailable) {
    console.error(`tempest-lane: ${unavailable}`);
    return 1;
  }
  const root = mkdtempSync(join(tmpdir(), 'glance-ts-tempest-'));
  const ws = join(root, 'workspace');
  const home = join(root, 'home');
  mkdirSync(home);
  let ks: Keystone | undefined;
  let svc: Service | undefined;
  let web: Server | undefined;
  const stop = async () => {
    if (KEEP && svc) writeFileSync(join(root, 'service.log'), svc.log());
    await svc?.stop().catch(() => undefined);
    await ks?.stop().catch(() => undefined);
    await new Promise<void>((r) => (web ? web.close(() => r()) : r()));
  };
  try {
    return await inLane(stop, async () => {
      const bytes = fixtureBytes();
      let downloads = 0;
      web = createServer((req, res) => {
        if (req.url?.split('#')[0] === '/image.raw' && (req.method === 'GET' || req.method === 'HEAD')) {
          if (req.method === 'GET') downloads++;
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length }).end(req.method === 'GET' ? bytes : undefined);
        } else res.writeHead(404).end();
      });
      await new Promise<void>((r) => web!.listen(0, '127.0.0.1', () => r()));
      const httpImage = `http://127.0.0.1:${(web.address() as AddressInfo).port}/image.raw`;

      // Keystone, the service and the tempest workspace start side by side: the service needs only
      // Keystone's URL until the first request, and `tempest init` needs neither.
      const ksPort = await freePort();
      const ksUrl = `http://127.0.0.1:${ksPort}/v3`;
      log(`starting Keystone, the service (stores ${STORES}) and a tempest workspace`);
      const env: NodeJS.ProcessEnv = {
        PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`,
        HOME: home,
        // stevedore's entry-point cache is content-hashed and shared, as in the end-to-end lane.
        XDG_CACHE_HOME: process.env.XDG_CACHE_HOME || join(process.env.HOME ?? home, '.cache'),
        LANG: 'C.UTF-8',
        no_proxy: '127.0.0.1,localhost',
        NO_PROXY: '127.0.0.1,localhost',
        PYTHONWARNINGS: 'ignore',
      };
      const initLog = join(root, 'tempest-init.log');
      const [ksR, svcR, initR] = await Promise.allSettled([
        startKeystone({ port: ksPort }).then((k) => ((ks = k), log('Keystone is up'), k)),
        startService({ url: ksUrl }, {
          ENABLED_BACKENDS: STORES,
          HTTP_ALLOWED_HOSTS: '127.0.0.1',
          // Tempest uploads random bytes under every disk format, as a standard Glance accepts.
          REQUIRE_IMAGE_FORMAT_MATCH: 'false',
          METADEFS_AUTOLOAD_DIR: join(PROJECT_ROOT, 'etc', 'metadefs'),
        }).then((v) => ((svc = v), log('the service is up'), v)),
        runLogged('tempest', ['init', '--workspace-path', join(home, 'workspace.yaml'), ws], { cwd: root, env, logFile: initLog }),
      ]);
      for (const r of [ksR, svcR]) if (r.status === 'rejected') throw r.reason;
      if (initR.status === 'rejected') throw initR.reason;
      if (initR.value !== 0) throw new Error(`tempest init failed (log: ${initLog})`);
      await ks!.setImageEndpoint(svc!.url);
      writeFileSync(join(ws, 'etc', 'tempest.conf'), tempestConf({ keystoneUrl: ksUrl, adminPassword: PASSWORD, httpImage, workspace: ws }));

      log(`tempest run --regex '${REGEX}' --concurrency ${CONCURRENCY}`);
      const runLog = join(root, 'tempest-run.log');
      const code = await runLogged('tempest', ['run', '--regex', REGEX, '--concurrency', String(CONCURRENCY)], { cwd: ws, env, logFile: runLog, echo: true });
      log(`tempest run exited ${code}`);

      const last = await capture('stestr', ['last', '--subunit'], { cwd: ws, env });
      if (last.code !== 0 || !last.out.length) throw new Error(`stestr last --subunit failed: ${last.err}`);
      const parsed = await capture('/usr/bin/python3', [join(PROJECT_ROOT, 'test', 'tempest', 'subunit-results.py')], { cwd: ws, env, input: Readable.from([last.out]) });
      if (parsed.code !== 0) throw new Error(`reading the subunit stream failed: ${parsed.err}`);
      const results: TestResult[] = parsed.out.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TestResult);
      const s = summarize(results);
      // A passing web-download test must have fetched from the fixture, not from anywhere else.
      const webDownload = s.passed.some((t) => t.id.endsWith('.test_image_web_download_import'));
      log(`the fixture server answered ${downloads} download(s)`);
      if (webDownload && downloads === 0) s.failed.push({ id: 'web-download fixture', status: 'fail', reason: 'test_image_web_download_import passed but the fixture server was never asked for the image' });

      if (s.skipped.length) {
        console.log('\nSkipped:');
        for (const t of s.skipped) console.log(`  ${t.id}: ${t.reason}`);
      }
      if (s.failed.length) {
        console.log('\nFailed:');
        for (const t of s.failed) console.log(`  ${t.id}\n${t.reason.split('\n').slice(-25).map((l) => `    ${l}`).join('\n')}`);
        // Warnings and errors only: the request lines are in the full log (TEMPEST_KEEP=1).
        const problems = svc!.log().split('\n').filter((l) => /^\{"level":[456]0,/.test(l));
        console.log(`\nservice warnings and errors (last 30):\n${problems.slice(-30).join('\n') || '(none)'}`);
      }
      const gateOk = s.failed.length === 0 && s.passed.length >= MIN_PASSED && code === (s.failed.length ? 1 : 0);
      if (!gateOk) {
        console.log(`\ntempest-lane: GATE NOT MET: needs 0 failed and at least ${MIN_PASSED} passed (tempest exit ${code})${KEEP ? `; logs in ${root}` : ''}`);
      }
      log('done');
      console.log(`tempest: ${s.passed.length} passed, ${s.failed.length} failed, ${s.skipped.length} skipped`);
      return gateOk ? 0 : 1;
    });
  } finally {
    if (KEEP) console.error(`tempest-lane: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`tempest-lane: ${(e as Error).stack ?? e}`);
    console.log('tempest: 0 passed, 0 failed, 0 skipped');
    process.exit(1);
  },
);
