import { join } from 'node:path';
import { createServer } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { startLocalService } from './local-service.js';

const exec = promisify(execFile);

/** A port nobody listens on right now (the monitor binds it moments later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface LocalCeph {
  conf: string;
  pool: string;
  port: number;
  /** Runs a Ceph client (`rbd`, `rados`, `ceph`) against the cluster; resolves with stdout. */
  cli(bin: 'rbd' | 'rados' | 'ceph', args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** A throw-away single-node Ceph (scripts/ceph-local.sh): one monitor, one memstore OSD, pool `images`. */
export async function startCeph(pool = 'images'): Promise<LocalCeph> {
  const port = await freePort();
  const svc = await startLocalService({ name: 'ceph', script: 'ceph-local.sh', args: [String(port), pool], timeout: 120_000 });
  const conf = join(svc.dir, 'ceph.conf');
  return {
    conf,
    pool,
    port,
    cli: async (bin, args) => (await exec(bin, ['-c', conf, ...args], { timeout: 60_000, maxBuffer: 64 << 20 })).stdout,
    stop: svc.stop,
  };
}

/** Nova's reading of a location (test/stores/nova_rbd.py). */
export async function novaReads(c: LocalCeph, url: string, diskFormat: string, cloneName?: string): Promise<{ parsed?: string[]; fsid?: string; cloneable?: boolean; cloned?: boolean; refused?: string }> {
  const args = [join(PROJECT_ROOT, 'test', 'stores', 'nova_rbd.py'), c.conf, c.pool, url, diskFormat, ...(cloneName ? [cloneName] : [])];
  const r = await exec('/usr/bin/python3', args, { timeout: 60_000 }).catch((e: { code?: number; stdout?: string }) => {
    if (e.code === 3) return { stdout: e.stdout ?? '' };
    throw e;
  });
  return JSON.parse(r.stdout) as never;
}
