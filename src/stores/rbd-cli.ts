/**
 * Runs Ceph's command-line clients (`rbd`, `ceph`, and a small python3-rbd reader for byte
 * ranges) as child processes and turns their failures into domain errors. The clients exit with
 * the errno of the failed operation, which is what the mapping keys on; stderr gives the words.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { DomainError } from '../domain/errors.js';

const STDERR_CAP = 4096;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Set when the program could not be started at all. */
  spawnError?: Error;
}

/** errno values the rbd CLI exits with. */
export const ENOENT = 2;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
const ENOSPC = 28;
const EDQUOT = 122;
const ETIMEDOUT = 110;

/** A started child with its exit (stderr gathered, capped) as a promise that never rejects. */
export function start(bin: string, args: string[], stdio: ('pipe' | 'ignore')[]): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(bin, args, { stdio: stdio as ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += c.toString('utf8').slice(0, STDERR_CAP - stderr.length);
  });
  // Pipes fail with EPIPE when the child exits early; its exit status is what gets reported.
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('error', () => undefined);
  const exit = new Promise<Exit>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
      // 'close' does not follow a failed spawn on every Node.js version.
      if (child.pid === undefined) resolve({ code: null, signal: null, stderr, spawnError: e });
    });
    child.once('close', (code, signal) => resolve({ code, signal, stderr, spawnError }));
  });
  return { child, exit };
}

/** Runs a command to its end; resolves with stdout, rejects with the mapped failure. */
export async function run(bin: string, args: string[], timeoutMs: number, what: string, storeId: string): Promise<string> {
  const { child, exit } = start(bin, args, ['ignore', 'pipe', 'pipe']);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    if (out.length < 1 << 20) out += c.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const r = await exit.finally(() => clearTimeout(timer));
  if (r.code !== 0) throw failure(r, what, storeId);
  return out;
}

/** The errno a finished command failed with (null when it did not report one). */
export function errnoOf(e: unknown): number | null {
  return (e as { errno?: number }).errno ?? null;
}

/** The domain error for a failed command. */
export function failure(r: Exit, what: string, storeId: string): DomainError & { errno?: number; code?: string } {
  const said = lastLine(r.stderr);
  if (r.spawnError) return new DomainError('Unavailable', `Store ${storeId} is unavailable: ${what} could not start (${r.spawnError.message}).`);
  if (r.code === null) return Object.assign(new DomainError('Unavailable', `Store ${storeId}: ${what} was stopped (${r.signal ?? 'no status'}).`), { errno: undefined });
  const errno = r.code;
  let e: DomainError;
  if (errno === ETIMEDOUT || /couldn't connect|connect.*time|timed out/i.test(said)) e = new DomainError('Unavailable', `Store ${storeId} is unavailable: the Ceph cluster did not answer (${said || 'timed out'}).`);
  else if (errno === ENOSPC || errno === EDQUOT) e = new DomainError('TooLarge', `Store ${storeId} is full: ${said}`);
  else e = new DomainError('Unavailable', `Store ${storeId}: ${what} failed with error ${errno}${said ? `: ${said}` : ''}.`);
  return Object.assign(e, { errno, ...(errno === ENOENT ? { code: 'ENOENT' } : {}) });
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l && !/^\d{4}-\d\d-\d\dT/.test(l));
  return (lines.at(-1) ?? '').slice(0, 300);
}

/**
 * The stdout of a command producing bytes, as a stream that ends only once the command has
 * succeeded: a failure after some output destroys the stream with the error, never ends it
 * early as if the data were complete. Resolves once the first bytes arrive (or the command ends),
 * so a missing image rejects here rather than as an empty download.
 */
export function output(bin: string, args: string[], what: string, storeId: string): Promise<Readable> {
  const { child, exit } = start(bin, args, ['ignore', 'pipe', 'pipe']);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // The reader went away (or failed): the command has nobody to write to.
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise<Readable>((resolve, reject) => {
    let started = false;
    const first = (chunk: Buffer) => {
      started = true;
      out.write(chunk);
      child.stdout!.pipe(out, { end: false });
      resolve(out);
    };
    child.stdout!.once('data', first);
    void exit.then((r) => {
      const err = r.code === 0 ? null : failure(r, what, storeId);
      if (!started) {
        child.stdout!.off('data', first);
        if (err) {
          out.destroy();
          reject(err);
        } else {
          out.end();
          resolve(out);
        }
      } else if (err) out.destroy(err);
      else out.end();
    });
  });
}

/**
 * Reads `length` bytes at `offset` of an RBD snapshot through python3-rbd (librbd), printing
 * them to stdout in 4 MiB reads; exits with the errno of a failure. The rbd CLI has no offset
 * read, and slicing a full export would read every byte before the range.
 */
export const RANGE_READER = `
import sys, errno
try:
    import rados, rbd
except ImportError as e:
    sys.stderr.write('python3-rbd is not installed: %s\\n' % e); sys.exit(errno.ENOSYS)
conf, user, pool, name, snap, off, length, timeout = sys.argv[1:9]
off, length, timeout = int(off), int(length), int(timeout)
def fail(e):
    sys.stderr.write('%s: %s\\n' % (type(e).__name__, e))
    sys.exit(getattr(e, 'errno', None) or errno.EIO)
try:
    cluster = rados.Rados(conffile=conf, rados_id=user or None, conf={'client_mount_timeout': str(timeout), 'rados_mon_op_timeout': str(timeout), 'rados_osd_op_timeout': str(timeout * 6)})
    cluster.connect(timeout=timeout)
except (rados.Error, OSError) as e:
    sys.stderr.write("couldn't connect to the cluster: %s\\n" % e); sys.exit(errno.ETIMEDOUT)
try:
    ioctx = cluster.open_ioctx(pool)
    image = rbd.Image(ioctx, name, snapshot=snap, read_only=True)
    end = min(off + length, image.size())
    out = sys.stdout.buffer
    while off < end:
        n = min(4 << 20, end - off)
        data = image.read(off, n)
        if len(data) != n:
            raise IOError(errno.EIO, 'short read at %d' % off)
        out.write(data)
        off += n
    out.flush()
    image.close(); ioctx.close(); cluster.shutdown()
except BrokenPipeError:
    sys.exit(errno.EPIPE)
except (rados.Error, rbd.Error, OSError) as e:
    fail(e)
`;
