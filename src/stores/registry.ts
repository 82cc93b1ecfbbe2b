/**
 * The configured stores, like upstream's `enabled_backends`: `ENABLED_BACKENDS=id:type,...`,
 * `DEFAULT_BACKEND`, per-store options from `STORE_OPTIONS` (JSON). Without ENABLED_BACKENDS
 * there is one file store `file` (single-store mode: no multi-store API). The staging area is a
 * hidden file store (`os_glance_staging_store`); http locations are always readable through a
 * hidden read-only http store when none is configured.
 */
import { join } from 'node:path';
import type { Db } from 'mongodb';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { invalid } from '../domain/errors.js';
import { FileStore } from './file.js';
import { GridFsStore } from './gridfs.js';
import { HttpStore } from './http.js';
import { rbdStore, type RbdOpts } from './rbd-options.js';
import { s3Options, swiftOptions } from './object-options.js';
import { S3Store } from './s3.js';
import { SwiftStore } from './swift.js';
import { SsrfGuard } from './ssrf.js';
import type { StoreDriver } from './store.js';
import type { ImageLocation } from '../repositories/images.js';
import { NO_HOOKS, type DataHooks } from '../metrics/hooks.js';

export const STAGING_STORE_ID = 'os_glance_staging_store';

/** One store's STORE_OPTIONS entry: the file/gridfs keys here, rbd's from rbd-options.ts. */
interface StoreOpts extends RbdOpts {
  data_dir?: string;
  bucket?: string;
  chunk_size?: number;
}

/** Counts the bytes every successful write stored (uploads, staging, imports, copies), by store id. */
function metered<S extends StoreDriver>(store: S, hooks: DataHooks): S {
  if (hooks === NO_HOOKS) return store;
  const write = store.write.bind(store);
  store.write = async (imageId, data, opts) => {
    const result = await write(imageId, data, opts);
    hooks.dataBytes(store.id, 'upload', result.size);
    return result;
  };
  return store;
}

export class StoreRegistry {
  /** Visible stores, in configuration order. */
  readonly stores = new Map<string, StoreDriver>();
  readonly multiStore: boolean;
  readonly defaultId: string;
  readonly staging: FileStore;
  readonly guard: SsrfGuard;
  private readonly httpReader: HttpStore;

  constructor(config: Config, db: Db, hooks: DataHooks = NO_HOOKS) {
    this.guard = new SsrfGuard(config.HTTP_ALLOWED_HOSTS);
    let options: Record<string, StoreOpts> = {};
    if (config.STORE_OPTIONS) {
      try {
        options = JSON.parse(config.STORE_OPTIONS) as Record<string, StoreOpts>;
        if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new Error('not an object');
      } catch (e) {
        // V8's message quotes the input, and STORE_OPTIONS may hold secrets: only the position is kept
        const at = /position (\d+)/.exec((e as Error).message)?.[1];
        throw new ConfigError(`Invalid configuration: STORE_OPTIONS must be a JSON object (${at ? `invalid JSON at position ${at}` : (e as Error).message === 'not an object' ? 'not an object' : 'invalid JSON'})`);
      }
    }
    const http = (id: string, o: StoreOpts = {}) =>
      new HttpStore({ id, guard: this.guard, timeoutMs: config.HTTP_TIMEOUT, maxRedirects: config.HTTP_MAX_REDIRECTS, description: o.description, weight: o.weight });
    const entries = config.ENABLED_BACKENDS.length ? config.ENABLED_BACKENDS : ['file:file'];
    this.multiStore = config.ENABLED_BACKENDS.length > 0;
    for (const entry of entries) {
      const [id, type, ...rest] = entry.split(':');
      if (!id || !type || rest.length || !/^[A-Za-z0-9_-]{1,64}$/.test(id) || id.startsWith('os_glance_')) {
        throw new ConfigError(`Invalid configuration: ENABLED_BACKENDS entry ${JSON.stringify(entry)} must be id:type with a plain id`);
      }
      if (this.stores.has(id)) throw new ConfigError(`Invalid configuration: ENABLED_BACKENDS names store ${id} twice`);
      const o = options[id] ?? {};
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(`Invalid configuration: STORE_OPTIONS.${id} must be an object`);
      let store: StoreDriver;
      if (type === 'file') store = new FileStore({ id, dir: o.data_dir ?? join(config.DATA_DIR, 'stores', id), description: o.description, weight: o.weight });
      else if (type === 'gridfs') store = new GridFsStore({ id, db, bucket: o.bucket, chunkSize: o.chunk_size, description: o.description, weight: o.weight });
      else if (type === 'http') store = http(id, o);
      else if (type === 'rbd') store = rbdStore(id, o);
      else if (type === 'swift') store = new SwiftStore(swiftOptions(id, o as Record<string, unknown>));
      else if (type === 's3') store = new S3Store(s3Options(id, o as Record<string, unknown>));
      else throw new ConfigError(`Invalid configuration: ENABLED_BACKENDS entry ${entry}: unknown store type ${type} (file, gridfs, http, swift, s3, rbd)`);
      this.stores.set(id, metered(store, hooks));
    }
    for (const id of Object.keys(options)) {
      if (!this.stores.has(id)) throw new ConfigError(`Invalid configuration: STORE_OPTIONS names unknown store ${id}`);
    }
    const writable = [...this.stores.values()].filter((s) => !s.readOnly);
    if (!writable.length) throw new ConfigError('Invalid configuration: ENABLED_BACKENDS has no writable store');
    if (config.DEFAULT_BACKEND) {
      const d = this.stores.get(config.DEFAULT_BACKEND);
      if (!d || d.readOnly) throw new ConfigError(`Invalid configuration: DEFAULT_BACKEND ${config.DEFAULT_BACKEND} is not a writable store of ENABLED_BACKENDS`);
      this.defaultId = d.id;
    } else {
      this.defaultId = writable[0].id;
    }
    this.staging = metered(new FileStore({ id: STAGING_STORE_ID, dir: config.STAGING_DIR ?? join(config.DATA_DIR, 'staging') }), hooks);
    this.httpReader = ([...this.stores.values()].find((s) => s.type === 'http') as HttpStore | undefined) ?? http('http');
  }

  get(id: string): StoreDriver | undefined {
    return this.stores.get(id);
  }

  get default(): StoreDriver {
    return this.stores.get(this.defaultId)!;
  }

  writable(): StoreDriver[] {
    return [...this.stores.values()].filter((s) => !s.readOnly);
  }

  /** The store that can read a location: by its recorded store id, else by URL. */
  forLocation(loc: { url: string; metadata?: Record<string, unknown> }): StoreDriver | undefined {
    const named = typeof loc.metadata?.store === 'string' ? this.stores.get(loc.metadata.store) : undefined;
    if (named?.owns(loc.url)) return named;
    for (const s of this.stores.values()) if (s.owns(loc.url)) return s;
    if (this.httpReader.owns(loc.url)) return this.httpReader;
    return undefined;
  }

  get http(): HttpStore {
    return this.httpReader;
  }

  /** The target store of an upload: X-Image-Meta-Store (multi-store) or the default. */
  forUpload(header: string | undefined): StoreDriver {
    if (header === undefined || header === '' || !this.multiStore) return this.default;
    const s = this.stores.get(header);
    if (!s) throw invalid(`Store for identifier ${header} not found`);
    if (s.readOnly) throw invalid(`Store ${header} is read-only.`);
    return s;
  }

  /** The location record of data written to `store` (the store id is kept in multi-store mode). */
  locationFor(store: StoreDriver, url: string): ImageLocation {
    return { url, metadata: this.multiStore ? { store: store.id } : {} };
  }

  /** Removes an image's staged data, if any. */
  async dropStaged(imageId: string): Promise<void> {
    await this.staging.delete(this.staging.urlFor(imageId)).catch(() => undefined);
  }
}
