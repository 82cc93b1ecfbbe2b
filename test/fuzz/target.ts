import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { loadOrCreateDevKey, mintToken } from '../../src/authn/jwt.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

/**
 * The service under test as a child process: real `node` running src/main.ts with the
 * zero-config settings (development signing key in DATA_DIR, image cache on, production
 * mode) on the run's MongoDB. A crash is what an operator would see: the process exits.
 * Its JSON log is read line by line; error and fatal lines are kept for the report.
 */
export interface Target {
  url: string;
  /** Exits observed so far (each one restarts the service). */
  crashes: { code: number | null; signal: string | null; lastLog: string[] }[];
  errorLog: string[];
  token(project: string | null, roles: string[]): Promise<string>;
  alive(): boolean;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const ISSUER = 'glance-ts-dev';
const AUDIENCE = 'image';

export async function startTarget(mongoUri: string): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'glance-fuzz-'));
  const { privateJwk } = await loadOrCreateDevKey(dataDir);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: process.env.FUZZ_NODE_ENV ?? 'production',
    // one process: a crash is the service's exit, not a worker restart
    WORKERS: process.env.FUZZ_WORKERS ?? '1',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    MONGODB_URI: mongoUri,
    MONGODB_DB: `fuzz_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    DATA_DIR: dataDir,
    IMAGE_CACHE_ENABLED: 'true',
    AUTH_MODE: 'jwt',
  };
  delete env.JWT_PUBLIC_KEY_FILE;
  delete env.JWT_JWKS_URL;
  delete env.CONFIG_FILE;

  let child: ChildProcess | undefined;
  let stopping = false;
  const recent: string[] = [];
  const t: Target = {
    url: '',
    crashes: [],
    errorLog: [],
    token: (project, roles) => mintToken(privateJwk, { sub: `fuzz-${project ?? 'none'}-${roles.join('+')}`, ...(project ? { project_id: project } : {}), roles }, { issuer: ISSUER, audience: AUDIENCE }),
    alive: () => !!child && child.exitCode === null && child.signalCode === null,
    async restart() {
      // a stalled service is stopped first (not counted as a crash: the caller reports the stall)
      if (child && t.alive()) {
        const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
        stopping = true;
        child.kill('SIGKILL');
        await exited;
        stopping = false;
      }
      await launch();
    },
    async stop() {
      stopping = true;
      if (!child || !t.alive()) return;
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };

  async function launch(): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    // the service never outlives the run, however the run ends
    const reap = () => proc.kill('SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.off('exit', reap));
    let listening: (url: string) => void = () => undefined;
    const onLine = (line: string) => {
      recent.push(line.slice(0, 2000));
      if (recent.length > 30) recent.shift();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(line);
      if (m) listening(m[1]);
      let level = 0;
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 0;
      } catch {
        level = /error|uncaught|exception/i.test(line) ? 50 : 0;
      }
      if (level >= 50) t.errorLog.push(line.slice(0, 4000));
    };
    // one reader per stream for the whole life of the process: a pipe left unread fills up
    // and blocks the service's synchronous log writes
    createInterface({ input: proc.stdout! }).on('line', onLine);
    createInterface({ input: proc.stderr! }).on('line', onLine);
    proc.once('exit', (code, signal) => {
      if (!stopping) t.crashes.push({ code, signal, lastLog: [...recent] });
    });
    t.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service did not start within 60 s:\n${recent.join('\n')}`)), 60_000);
      listening = (url) => {
        clearTimeout(timer);
        listening = () => undefined;
        resolve(url);
      };
      proc.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the service exited during start:\n${recent.join('\n')}`));
      });
    });
  }

  await launch();
  return t;
}

export interface Sent {
  method: string;
  /** Sent byte for byte: percent-encoded, dot segments and all. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** 0 when there was no answer: `timeout` or a connection `error`. */
  failure?: 'timeout' | 'error';
  detail?: string;
}

/** One HTTP exchange with a deadline (a hang is a finding, not a stuck run). */
export function send(base: string, r: Sent, timeoutMs: number): Promise<Answer> {
  const u = new URL(base);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(a);
    };
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: u.hostname, port: u.port, method: r.method, path: r.path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size < 4 << 20) chunks.push(c);
        });
        res.on('error', (e) => finish({ status: 0, headers: {}, text: '', failure: 'error', detail: String(e) }));
        res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
    } catch (e) {
      // the client refused to build the request (e.g. an invalid header value): nothing was sent
      resolve({ status: -1, headers: {}, text: '', detail: String(e) });
      return;
    }
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, headers: {}, text: '', failure: 'timeout' });
    }, timeoutMs);
    req.on('error', (e) => finish({ status: 0, headers: {}, text: '', failure: 'error', detail: String(e) }));
    req.end(r.body);
  });
}
