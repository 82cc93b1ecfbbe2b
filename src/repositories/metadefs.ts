import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import { secondsNow } from '../domain/time.js';

/**
 * Metadata definitions in MongoDB. Every child (object, property, tag, resource type
 * association) is a document of its own, so two clients editing one namespace never
 * overwrite each other; documents edited in place carry a numeric `version` and are
 * written with a conditional update.
 *
 * Read cache: the whole catalogue (a few hundred small documents) is held per process as
 * a `MetadefSnapshot`. Every write goes through `write()`, which bumps the version stamp
 * document `metadef_state/{_id:'version'}` and invalidates the local snapshot at once.
 * Other processes notice the new stamp the next time they look, which is at most every
 * `checkIntervalMs` (reads in between are served from memory without touching MongoDB).
 * `onChange` listeners run whenever a snapshot with a new version is installed, so derived
 * caches (compiled property validators) can follow the same stamp.
 */

export interface NamespaceDoc {
  _id: string;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: 'public' | 'private';
  protected: boolean;
  owner: string | null;
  created_at: Date;
  /** Null until the resource is first updated, as upstream (loaded resources have none). */
  updated_at: Date | null;
  version: number;
}

/** A property definition as given (without its name), stored as JSON text: keys and values are free-form. */
export interface PropertyDoc {
  _id: string;
  ns_id: string;
  name: string;
  def_json: string;
  /** Created through the property API: lists show its `name` inside the definition, as upstream does. */
  named?: boolean;
  created_at: Date;
  /** Null until the resource is first updated, as upstream (loaded resources have none). */
  updated_at: Date | null;
  version: number;
}

export interface ObjectDoc {
  _id: string;
  ns_id: string;
  name: string;
  description: string | null;
  required: string[] | null;
  /** JSON text of the `properties` map, or null. */
  properties_json: string | null;
  created_at: Date;
  /** Null until the resource is first updated, as upstream (loaded resources have none). */
  updated_at: Date | null;
  version: number;
}

export interface TagDoc {
  _id: string;
  ns_id: string;
  name: string;
  created_at: Date;
  /** Null until the resource is first updated, as upstream (loaded resources have none). */
  updated_at: Date | null;
  version: number;
}

export interface ResourceTypeDoc {
  _id: string;
  name: string;
  protected: boolean;
  created_at: Date;
  /** Null until the resource is first updated, as upstream (loaded resources have none). */
  updated_at: Date | null;
}

export interface AssociationDoc {
  _id: string;
  ns_id: string;
  resource_type: string;
  prefix: string | null;
  properties_target: string | null;
  created_at: Date;
  updated_at: Date | null;
  /** Position within the request or file that created it (keeps their order among equal timestamps). */
  seq?: number;
}

export interface NamespaceEntry {
  ns: NamespaceDoc;
  properties: PropertyDoc[];
  objects: ObjectDoc[];
  tags: TagDoc[];
  associations: AssociationDoc[];
}

export interface MetadefSnapshot {
  version: number;
  /** By namespace name. */
  namespaces: Map<string, NamespaceEntry>;
  resourceTypes: ResourceTypeDoc[];
}

/** Resource types present from the start (upstream seeds them in its schema migrations). */
export const SEEDED_RESOURCE_TYPES = ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server', 'OS::Trove::Instance'];

export const newId = (): string => randomUUID();

/** Second precision, as rendered; stored timestamps never carry milliseconds. */
export const now = secondsNow;

export class MetadefRepository {
  readonly namespaces: Collection<NamespaceDoc>;
  readonly properties: Collection<PropertyDoc>;
  readonly objects: Collection<ObjectDoc>;
  readonly tags: Collection<TagDoc>;
  readonly resourceTypes: Collection<ResourceTypeDoc>;
  readonly associations: Collection<AssociationDoc>;
  private readonly state: Collection<{ _id: string; version: number }>;
  private snap: MetadefSnapshot | undefined;
  private loading: Promise<MetadefSnapshot> | undefined;
  private lastCheck = 0;
  private gen = 0;
  private snapGen = -1;
  private loadingGen = -1;
  private readonly listeners = new Set<(version: number) => void>();

  constructor(
    private readonly db: Db,
    private readonly checkIntervalMs = 1000,
  ) {
    this.namespaces = db.collection('metadef_namespaces');
    this.properties = db.collection('metadef_properties');
    this.objects = db.collection('metadef_objects');
    this.tags = db.collection('metadef_tags');
    this.resourceTypes = db.collection('metadef_resource_types');
    this.associations = db.collection('metadef_namespace_resource_types');
    this.state = db.collection('metadef_state');
  }

  /** Indexes and seeded resource types; idempotent. */
  async init(): Promise<void> {
    await Promise.all([
      this.namespaces.createIndex({ namespace: 1 }, { unique: true }),
      this.objects.createIndex({ ns_id: 1, name: 1 }, { unique: true }),
      this.properties.createIndex({ ns_id: 1, name: 1 }, { unique: true }),
      this.tags.createIndex({ ns_id: 1, name: 1 }, { unique: true }),
      this.resourceTypes.createIndex({ name: 1 }, { unique: true }),
      this.associations.createIndex({ ns_id: 1, resource_type: 1 }, { unique: true }),
      this.associations.createIndex({ resource_type: 1 }),
    ]);
    const existing = new Set((await this.resourceTypes.find({}, { projection: { name: 1 } }).toArray()).map((r) => r.name));
    for (const name of SEEDED_RESOURCE_TYPES) {
      if (!existing.has(name)) await this.ensureResourceType(name, true);
    }
  }

  // ---- version stamp and read cache -------------------------------------------------

  /** The version of the catalogue this process serves (checks the stamp when due). */
  async metadefVersion(): Promise<number> {
    return (await this.snapshot()).version;
  }

  /** Calls `fn(version)` whenever a new catalogue version is installed in this process. */
  onMetadefChange(fn: (version: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async readStamp(): Promise<number> {
    const s = await this.state.findOne({ _id: 'version' });
    return s?.version ?? 0;
  }

  /**
   * The catalogue, from memory when the stamp was checked less than `checkIntervalMs` ago.
   * `gen` counts this process's writes: a snapshot (or a load in flight) that began before the
   * caller's last write is never used, so a process always reads its own writes.
   */
  async snapshot(): Promise<MetadefSnapshot> {
    for (;;) {
      const gen = this.gen;
      if (this.snap && this.snapGen === gen && Date.now() - this.lastCheck < this.checkIntervalMs) return this.snap;
      if (this.loading && this.loadingGen === gen) return this.loading;
      if (this.loading) {
        await this.loading.catch(() => undefined);
        continue;
      }
      this.loadingGen = gen;
      const p = (async () => {
        const checkedAt = Date.now();
        const stamp = await this.readStamp();
        const fresh = this.snap && this.snap.version === stamp ? this.snap : await this.loadAll(stamp);
        const changed = this.snap?.version !== fresh.version;
        this.snap = fresh;
        this.snapGen = gen;
        this.lastCheck = checkedAt;
        if (changed) for (const fn of this.listeners) fn(fresh.version);
        return fresh;
      })();
      this.loading = p;
      p.finally(() => {
        if (this.loading === p) this.loading = undefined;
      }).catch(() => undefined);
      return p;
    }
  }

  private async loadAll(version: number): Promise<MetadefSnapshot> {
    const [nss, props, objs, tags, rts, assocs] = await Promise.all([
      this.namespaces.find().toArray(),
      this.properties.find().toArray(),
      this.objects.find().toArray(),
      this.tags.find().toArray(),
      this.resourceTypes.find().toArray(),
      this.associations.find().toArray(),
    ]);
    const byId = new Map<string, NamespaceEntry>();
    const namespaces = new Map<string, NamespaceEntry>();
    for (const ns of nss) {
      const e: NamespaceEntry = { ns, properties: [], objects: [], tags: [], associations: [] };
      byId.set(ns._id, e);
      namespaces.set(ns.namespace, e);
    }
    for (const p of props) byId.get(p.ns_id)?.properties.push(p);
    for (const o of objs) byId.get(o.ns_id)?.objects.push(o);
    for (const g of tags) byId.get(g.ns_id)?.tags.push(g);
    for (const a of assocs) byId.get(a.ns_id)?.associations.push(a);
    const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const e of namespaces.values()) {
      e.properties.sort(byName);
      e.objects.sort(byName);
      e.tags.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || byName(a, b));
      e.associations.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.seq ?? 0) - (b.seq ?? 0) || (a.resource_type < b.resource_type ? -1 : 1));
    }
    rts.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || byName(a, b));
    return { version, namespaces, resourceTypes: rts };
  }

  /**
   * The one way to change metadefs: runs `fn`, then bumps the version stamp (also when `fn`
   * fails half-way, since it may have written something) and drops the local snapshot.
   */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      await this.state.updateOne({ _id: 'version' }, { $inc: { version: 1 } }, { upsert: true });
      this.gen++;
    }
  }

  // ---- lookups for writers (always fresh from MongoDB) ---------------------------------

  namespaceByName(name: string): Promise<NamespaceDoc | null> {
    return this.namespaces.findOne({ namespace: name });
  }

  findChild<T extends { ns_id: string; name: string }>(coll: Collection<T>, nsId: string, name: string): Promise<T | null> {
    return coll.findOne({ ns_id: nsId, name } as Filter<T>) as Promise<T | null>;
  }

  async ensureResourceType(name: string, isProtected = false): Promise<void> {
    const t = now();
    try {
      await this.resourceTypes.updateOne({ name }, { $setOnInsert: { _id: newId(), name, protected: isProtected, created_at: t, updated_at: null } }, { upsert: true });
    } catch (e) {
      // two racing upserts: the loser hits the unique index, and the type exists either way
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** Removes a namespace and everything in it. */
  async deleteNamespace(id: string): Promise<void> {
    await this.namespaces.deleteOne({ _id: id });
    await Promise.all([
      this.properties.deleteMany({ ns_id: id }),
      this.objects.deleteMany({ ns_id: id }),
      this.tags.deleteMany({ ns_id: id }),
      this.associations.deleteMany({ ns_id: id }),
    ]);
  }

  /** Every namespace and child, and the resource types nobody seeded. */
  async deleteAll(): Promise<void> {
    await Promise.all([
      this.namespaces.deleteMany({}),
      this.properties.deleteMany({}),
      this.objects.deleteMany({}),
      this.tags.deleteMany({}),
      this.associations.deleteMany({}),
      this.resourceTypes.deleteMany({ protected: { $ne: true } }),
    ]);
  }
}
