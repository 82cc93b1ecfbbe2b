/** The rbd store built from its STORE_OPTIONS entry (upstream's option names), checked up front. */
import { ConfigError } from '../config/config.js';
import { RbdStore } from './rbd.js';

export interface RbdOpts {
  description?: string;
  weight?: number;
  rbd_store_pool?: string;
  rbd_store_user?: string;
  rbd_store_ceph_conf?: string;
  rbd_store_chunk_size?: number;
  rbd_thin_provisioning?: boolean;
  rados_connect_timeout?: number;
}

export function rbdStore(id: string, o: RbdOpts): RbdStore {
  const bad = (what: string) => new ConfigError(`Invalid configuration: STORE_OPTIONS.${id}: ${what}`);
  const str = (k: keyof RbdOpts, re: RegExp) => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !re.test(v)) throw bad(`${k} must be a string matching ${re}`);
    return v;
  };
  // Pool and user names reach the command line: plain names only, never options.
  const pool = str('rbd_store_pool', /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$/);
  const user = str('rbd_store_user', /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$/);
  const conf = str('rbd_store_ceph_conf', /^\/[^\0]{0,4095}$/);
  const chunk = o.rbd_store_chunk_size;
  if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 1 || chunk > 32 || (chunk & (chunk - 1)) !== 0)) throw bad('rbd_store_chunk_size must be a power of two from 1 to 32 (MiB)');
  if (o.rbd_thin_provisioning !== undefined && typeof o.rbd_thin_provisioning !== 'boolean') throw bad('rbd_thin_provisioning must be true or false');
  const t = o.rados_connect_timeout;
  if (t !== undefined && (!Number.isInteger(t) || t < 1 || t > 3600)) throw bad('rados_connect_timeout must be whole seconds from 1 to 3600');
  return new RbdStore({ id, pool, user, cephConf: conf, chunkSizeMiB: chunk, thinProvisioning: o.rbd_thin_provisioning, connectTimeout: t, description: o.description, weight: o.weight });
}
