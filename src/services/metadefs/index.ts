/**
 * The metadefs service: one object grouping every metadef operation (namespaces, objects,
 * properties, tags, resource types), the corpus commands and the catalogue version stamp.
 *
 * Cache API for other parts (compiled property validators):
 * - `metadefVersion()` — the catalogue version this process serves (checks the MongoDB stamp
 *   at most every METADEF_CACHE_CHECK_MS);
 * - `onMetadefChange(fn)` — `fn(version)` runs whenever a new version is installed here
 *   (after a local write at the next read, or when another process's write is noticed);
 * - `snapshot()` — the whole catalogue in memory (namespaces with children), same version.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import type { RequestContext } from '../../authn/context.js';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../log.js';
import type { Notifier } from '../../notifier/notifier.js';
import { PROJECT_ROOT } from '../../openapi.js';
import { MetadefRepository, type MetadefSnapshot } from '../../repositories/metadefs.js';
import type { MetadefAuthorizer, MetadefDeps } from './access.js';
import * as ns from './namespaces.js';
import * as op from './objects-properties.js';
import * as tr from './tags-resource-types.js';
import * as corpus from './corpus.js';

type Ctx = RequestContext;
type Json = Record<string, unknown>;

export class MetadefService {
  readonly repo: MetadefRepository;
  private readonly d: MetadefDeps;

  constructor(deps: { db: Db; authz: MetadefAuthorizer; notifier: Notifier; config: Pick<Config, 'LIMIT_PARAM_DEFAULT' | 'API_LIMIT_MAX'>; cacheCheckMs?: number }) {
    this.repo = new MetadefRepository(deps.db, deps.cacheCheckMs);
    this.d = { repo: this.repo, authz: deps.authz, notifier: deps.notifier, config: deps.config };
  }

  init = () => this.repo.init();
  metadefVersion = () => this.repo.metadefVersion();
  onMetadefChange = (fn: (version: number) => void) => this.repo.onMetadefChange(fn);
  snapshot = (): Promise<MetadefSnapshot> => this.repo.snapshot();

  listNamespaces = (ctx: Ctx, q: ns.ListQuery, raw: URLSearchParams) => ns.listNamespaces(this.d, ctx, q, raw);
  createNamespace = (ctx: Ctx, b: ns.NamespaceInput) => ns.createNamespace(this.d, ctx, b);
  getNamespace = (ctx: Ctx, name: string, rt?: string) => ns.getNamespace(this.d, ctx, name, rt);
  updateNamespace = (ctx: Ctx, name: string, b: ns.NamespaceInput) => ns.updateNamespace(this.d, ctx, name, b);
  deleteNamespace = (ctx: Ctx, name: string) => ns.deleteNamespace(this.d, ctx, name);

  listObjects = (ctx: Ctx, n: string) => op.listObjects(this.d, ctx, n);
  createObject = (ctx: Ctx, n: string, b: op.ObjectInput) => op.createObject(this.d, ctx, n, b);
  deleteObjects = (ctx: Ctx, n: string) => op.deleteObjects(this.d, ctx, n);
  getObject = (ctx: Ctx, n: string, name: string) => op.getObject(this.d, ctx, n, name);
  updateObject = (ctx: Ctx, n: string, name: string, b: op.ObjectInput) => op.updateObject(this.d, ctx, n, name, b);
  deleteObject = (ctx: Ctx, n: string, name: string) => op.deleteObject(this.d, ctx, n, name);

  listProperties = (ctx: Ctx, n: string) => op.listProperties(this.d, ctx, n);
  createProperty = (ctx: Ctx, n: string, b: Json) => op.createProperty(this.d, ctx, n, b);
  deleteProperties = (ctx: Ctx, n: string) => op.deleteProperties(this.d, ctx, n);
  getProperty = (ctx: Ctx, n: string, name: string, rt?: string) => op.getProperty(this.d, ctx, n, name, rt);
  updateProperty = (ctx: Ctx, n: string, name: string, b: Json) => op.updateProperty(this.d, ctx, n, name, b);
  deleteProperty = (ctx: Ctx, n: string, name: string) => op.deleteProperty(this.d, ctx, n, name);

  listTags = (ctx: Ctx, n: string, q: { limit?: number; marker?: string; sort_key?: string; sort_dir?: string }) => tr.listTags(this.d, ctx, n, q);
  createTags = (ctx: Ctx, n: string, names: string[], append: boolean) => tr.createTags(this.d, ctx, n, names, append);
  deleteTags = (ctx: Ctx, n: string) => tr.deleteTags(this.d, ctx, n);
  getTag = (ctx: Ctx, n: string, name: string) => tr.getTag(this.d, ctx, n, name);
  createTag = (ctx: Ctx, n: string, name: string) => tr.createTag(this.d, ctx, n, name);
  updateTag = (ctx: Ctx, n: string, name: string, b: { name: string }) => tr.updateTag(this.d, ctx, n, name, b);
  deleteTag = (ctx: Ctx, n: string, name: string) => tr.deleteTag(this.d, ctx, n, name);

  listResourceTypes = (ctx: Ctx) => tr.listResourceTypes(this.d, ctx);
  listAssociations = (ctx: Ctx, n: string) => tr.listAssociations(this.d, ctx, n);
  createAssociation = (ctx: Ctx, n: string, b: { name: string; prefix?: string; properties_target?: string }) => tr.createAssociation(this.d, ctx, n, b);
  deleteAssociation = (ctx: Ctx, n: string, rt: string) => tr.deleteAssociation(this.d, ctx, n, rt);

  loadCorpus = (dir: string, o?: corpus.LoadOptions) => corpus.loadCorpus(this.d, dir, o);
  exportCorpus = (dir: string, progress?: (line: string) => void) => corpus.exportCorpus(this.d, dir, progress);
  unloadCorpus = () => corpus.unloadCorpus(this.d);
}

/**
 * What the zero-config start (embedded store, no MONGODB_URI) loads: the standard namespaces
 * Glance ships (etc/metadefs) and the ones derived from Nova's extra-spec validators
 * (etc/metadefs-nova, written by `npm run metadefs -- import-nova`).
 */
export function defaultCorpusDirs(): string[] {
  return [join(PROJECT_ROOT, 'etc', 'metadefs'), join(PROJECT_ROOT, 'etc', 'metadefs-nova')];
}

/**
 * Builds the service, creates its indexes and seeds resource types; loads the directories of
 * METADEFS_AUTOLOAD_DIR (separated by ':') if set, or `defaultCorpusDirs()` on the embedded store.
 */
export async function createMetadefService(deps: {
  db: Db;
  authz: MetadefAuthorizer;
  notifier: Notifier;
  config: Pick<Config, 'LIMIT_PARAM_DEFAULT' | 'API_LIMIT_MAX' | 'METADEFS_AUTOLOAD_DIR' | 'METADEF_CACHE_CHECK_MS' | 'MONGODB_URI'>;
  log: Logger;
}): Promise<MetadefService> {
  const s = new MetadefService({ ...deps, cacheCheckMs: deps.config.METADEF_CACHE_CHECK_MS });
  await s.init();
  const setting = deps.config.METADEFS_AUTOLOAD_DIR;
  const dirs = setting !== null ? setting.split(':').filter(Boolean) : deps.config.MONGODB_URI ? [] : defaultCorpusDirs();
  for (const dir of dirs) {
    if (!existsSync(dir)) deps.log.warn({ dir }, 'METADEFS_AUTOLOAD_DIR does not exist: no metadata definitions loaded from it');
    else {
      const r = await s.loadCorpus(dir);
      deps.log.info({ dir, ...r }, `metadata definitions: ${r.created} namespaces loaded, ${r.skipped} already present`);
    }
  }
  return s;
}

export { CorpusError } from './corpus.js';
