import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The embedded, in-memory MongoDB-wire-compatible server (jongodb) used when no
 * MONGODB_URI is configured, and by the tests. Data lives in memory only.
 *
 * No orphan is ever left: the binary runs under a small `sh` guard whose stdin is a pipe
 * from this process. When this process exits for any reason — including SIGKILL — the
 * pipe closes and the guard kills the server.
 */
export interface EmbeddedMongo {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

export function jongodbBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@jongodb/memory-server-bin-linux-x64-gnu/package.json');
  return join(dirname(pkg), 'bin', 'jongodb');
}

const GUARD = 'exec 3<&0 0</dev/null; "$@" & srv=$!; (cat <&3 >/dev/null; kill -9 $srv 2>/dev/null) & guard=$!; wait $srv; code=$?; kill $guard 2>/dev/null; exit $code';

export async function startEmbeddedMongo(opts: { database?: string; timeoutMs?: number; port?: number } = {}): Promise<EmbeddedMongo> {
  const args = [jongodbBinary(), '--host=127.0.0.1', `--port=${opts.port ?? 0}`];
  if (opts.database) args.push(`--database=${opts.database}`);
  const child: ChildProcess = spawn('sh', ['-c', GUARD, 'jongodb-guard', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`embedded MongoDB did not start within ${opts.timeoutMs ?? 30000} ms: ${stderr.trim()}`));
      child.stdin!.end();
    }, opts.timeoutMs ?? 30000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^JONGODB_URI=(\S+)/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded MongoDB exited (code ${code}) before it was ready: ${stderr.trim()}`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  child.stdout!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    uri,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
