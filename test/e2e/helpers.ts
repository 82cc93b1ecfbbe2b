import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { freePort, PASSWORD, USERS, type Keystone } from '../helpers/keystone.js';

/** The end-to-end lane's pieces: our service as a separate process, and the real CLIs. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface Service {
  url: string;
  dir: string;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `src/main.ts` (through tsx) with AUTH_MODE=keystone on a free loopback port. Only
 * Keystone's URL is needed: the service asks Keystone nothing until the first request.
 */
export async function startService(ks: Pick<Keystone, 'url'>, env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-e2e-'));
  const logFile = join(dir, 'service.log');
  const out = openSync(logFile, 'a');
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run through `npm run test:e2e`');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/main.ts')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      WORKERS: '1',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URI: uri,
      MONGODB_DB: `e2e_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      DATA_DIR: join(dir, 'data'),
      AUTH_MODE: 'keystone',
      KEYSTONE_URL: ks.url,
      KEYSTONE_USERNAME: 'glance',
      KEYSTONE_PASSWORD: PASSWORD,
      KEYSTONE_PROJECT: 'service',
      KEYSTONE_CACHE_TTL: '1',
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const onExit = () => child.kill('SIGKILL'); // never outlive the test process
  process.once('exit', onExit);
  const url = `http://127.0.0.1:${port}`;
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) {
      const text = log();
      await stop();
      throw new Error(`the service exited at start:\n${text.slice(-3000)}`);
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`the service did not answer within 180 s:\n${text.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, dir, log, stop };
}

/** clouds.yaml for the `openstack` CLI: one cloud per test user. */
export function writeClouds(dir: string, ks: Keystone): string {
  const file = join(dir, 'clouds.yaml');
  const users = ['admin', ...Object.keys(USERS).filter((u) => u !== 'glance')];
  const lines = ['clouds:'];
  for (const u of users) {
    lines.push(
      `  ${u}:`,
      '    auth:',
      `      auth_url: ${ks.url}`,
      `      username: ${u}`,
      `      password: ${PASSWORD}`,
      `      project_name: ${u === 'admin' ? 'admin' : USERS[u].project}`,
      '      user_domain_name: Default',
      '      project_domain_name: Default',
      '    region_name: RegionOne',
      '    interface: public',
      '    identity_api_version: 3',
      '    image_api_version: 2',
    );
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

let cliHome = process.env.HOME ?? '/tmp';
/** HOME of the CLIs (glanceclient caches the server's schemas under ~/.glanceclient). */
export function setCliHome(dir: string): void {
  cliHome = dir;
}

/** A clean environment for the CLIs (nothing of the caller's OS_* variables leaks in). */
function baseEnv(): Record<string, string> {
  return {
    PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`,
    HOME: cliHome,
    // stevedore's entry-point cache (content-hashed, shared by every Python CLI): without it
    // the first openstack command scans every installed distribution, a minute on a busy machine.
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME || join(process.env.HOME ?? '/tmp', '.cache'),
    LANG: 'C.UTF-8',
    no_proxy: '127.0.0.1,localhost',
    NO_PROXY: '127.0.0.1,localhost',
    PYTHONWARNINGS: 'ignore',
  };
}

// The CLIs are slow to start (python imports): run a few at a time, not all at once.
const MAX_PARALLEL = Number(process.env.E2E_CLI_PARALLEL ?? 3);
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

// Runs a command on a pseudo-terminal: the CLIs read image data from stdin whenever it is not a tty.
const PTY = 'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';

export interface ExecOptions {
  /** Bytes for the command's stdin. */
  input?: Buffer;
  /** Give the command a terminal (stdout and stderr both arrive in `out`). */
  tty?: boolean;
}

function exec(cmd: string, args: string[], env: Record<string, string>, opts: ExecOptions = {}): Promise<CliResult> {
  const timeout = Number(process.env.E2E_CLI_TIMEOUT ?? 180_000);
  const [file, argv] = opts.tty ? ['/usr/bin/python3', ['-c', PTY, cmd, ...args]] : [cmd, args];
  return slot(
    () =>
      new Promise<CliResult>((resolve) => {
        const child = execFile(file, argv, { env, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
          let code = 0;
          if (error) code = typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 255;
          const killed = error && (error as { killed?: boolean }).killed ? `\n[${cmd} ${args.join(' ')}: killed after ${timeout} ms]` : '';
          resolve({ code, out: stdout.toString(), err: stderr.toString() + killed });
        });
        child.stdin?.end(opts.input ?? undefined);
      }),
  );
}

/** `openstack --os-cloud <user> ...` */
export function openstack(clouds: string, user: string, args: string[], opts: ExecOptions = {}): Promise<CliResult> {
  return exec('openstack', ['--os-cloud', user, ...args], { ...baseEnv(), OS_CLIENT_CONFIG_FILE: clouds }, opts);
}

/** `openstack` with a bare token sent straight to the service (keystoneauth's admin_token plugin). */
export function openstackWithToken(serviceUrl: string, token: string, args: string[]): Promise<CliResult> {
  return exec('openstack', ['--os-auth-type', 'admin_token', '--os-endpoint', `${serviceUrl}/v2`, '--os-token', token, '--os-image-api-version', '2', ...args], baseEnv());
}

/** `glance` with a bare token sent straight to the service. */
export function glanceWithToken(serviceUrl: string, token: string, args: string[]): Promise<CliResult> {
  return exec('glance', ['--os-auth-token', token, '--os-image-url', serviceUrl, ...args], baseEnv());
}

/** `glance ...` as a user (glanceclient reads OS_* variables, not clouds.yaml). */
export function glance(ks: Keystone, user: string, args: string[], opts: ExecOptions = {}): Promise<CliResult> {
  return exec('glance', args, {
    ...baseEnv(),
    OS_AUTH_URL: ks.url,
    OS_USERNAME: user,
    OS_PASSWORD: PASSWORD,
    OS_PROJECT_NAME: user === 'admin' ? 'admin' : USERS[user].project,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'public',
    OS_IMAGE_API_VERSION: '2',
    OS_IDENTITY_API_VERSION: '3',
  }, opts);
}

/** Parses a CLI's `-f json` output, or fails with the whole run shown. */
export function json(r: CliResult): any {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
  try {
    return JSON.parse(r.out);
  } catch {
    throw new Error(`not JSON:\n${r.out}\nstderr: ${r.err}`);
  }
}

/** Runs the command; fails with its output unless it exits 0. */
export function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
  return r;
}

/** A small valid qcow2 (v3, no backing file, 64 MiB virtual) with random data after the header. */
export function qcow2Bytes(): Buffer {
  const header = Buffer.alloc(65536);
  header.write('QFI\xfb', 0, 'latin1');
  header.writeUInt32BE(3, 4); // version
  header.writeUInt32BE(16, 20); // cluster_bits
  header.writeBigUInt64BE(64n << 20n, 24); // virtual size
  header.writeUInt32BE(104, 100); // header_length
  const data = Buffer.alloc(65536);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + 13) & 0xff;
  return Buffer.concat([header, data]);
}
