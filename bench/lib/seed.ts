import { randomUUID } from 'node:crypto';
import { ObjectId, type Db, type Document } from 'mongodb';

/**
 * Bulk image seeding. Creating 10,000 images through the API (create + tags + members, each
 * a read-modify-write) would take minutes on the embedded store, so the bench creates ONE
 * image through the API — with properties, tags and an accepted member — and then clones
 * every document that references it (the image, its member rows, whatever the images
 * service stores) with the driver in bulk, substituting the id, owner, member project,
 * name, property values and timestamps. The clones have exactly the shape the service
 * writes, whatever that shape is, so the bench needs no knowledge of the schema.
 */
export interface Template {
  imageId: string;
  owner: string;
  member: string;
  name: string;
  /** Custom property values that vary per clone (value in the template → list of values). */
  varying: Record<string, string[]>;
}

interface Snapshot {
  collection: string;
  docs: Document[];
}

export const PROJECTS = 50;
export const project = (i: number) => `bench-p${String(i % PROJECTS).padStart(2, '0')}`;

function mentions(value: unknown, id: string): boolean {
  if (value === id) return true;
  if (Array.isArray(value)) return value.some((v) => mentions(v, id));
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof ObjectId)) return Object.values(value).some((v) => mentions(v, id));
  return false;
}

const IMAGE_COLLECTIONS = ['images', 'image_members', 'members', 'image_tags', 'image_properties', 'image_locations'];

/** Every document (of the image collections) that references the template image. */
export async function snapshot(db: Db, imageId: string): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  // The embedded store has no listCollections: look where an image's documents can be.
  for (const name of IMAGE_COLLECTIONS) {
    const docs = (await db.collection(name).find({}).limit(1000).toArray()).filter((d) => mentions(d, imageId));
    if (docs.length) out.push({ collection: name, docs });
  }
  return out;
}

export interface Clone {
  id: string;
  owner: string;
  visibility: string;
}

/** Inserts images [from, to) cloned from the template; returns what was inserted. */
export async function cloneImages(db: Db, t: Template, snap: Snapshot[], from: number, to: number, baseTime: number): Promise<Clone[]> {
  const clones: Clone[] = [];
  const batch = new Map<string, Document[]>();
  const flush = async () => {
    for (const [coll, docs] of batch) if (docs.length) await db.collection(coll).insertMany(docs, { ordered: false });
    batch.clear();
  };
  for (let i = from; i < to; i++) {
    const id = randomUUID();
    const owner = project(i);
    const member = project(i + 1 + (i % 7));
    const visibility = i % 10 === 0 ? 'public' : i % 10 === 1 ? 'private' : 'shared';
    const when = new Date(baseTime + i * 1000);
    const subst = (v: unknown, key: string | undefined, top: boolean): unknown => {
      if (typeof v === 'string') {
        if (top && key === 'visibility') return visibility;
        if (top && key === 'status' && v === 'queued') return 'active';
        const choices = t.varying[v];
        if (choices) return choices[i % choices.length];
        if (v === t.name) return `bench-image-${i}`;
        // ids and project names also appear inside strings (member_keys "<project>:<status>", links)
        return v.replaceAll(t.imageId, id).replaceAll(t.owner, owner).replaceAll(t.member, member);
      }
      if (v instanceof Date) return when;
      if (v instanceof ObjectId) return new ObjectId();
      if (Array.isArray(v)) return v.map((x) => subst(x, undefined, false));
      if (v && typeof v === 'object') {
        const o: Document = {};
        for (const [k, x] of Object.entries(v)) o[k] = subst(x, k, false);
        return o;
      }
      return v;
    };
    for (const s of snap) {
      const list = batch.get(s.collection) ?? [];
      for (const d of s.docs) {
        const o: Document = {};
        for (const [k, x] of Object.entries(d)) o[k] = subst(x, k, true);
        if (s.collection === 'images' || o._id === id) {
          if ('size' in o && (o.size === null || o.size === undefined)) o.size = 1_048_576 * (1 + (i % 64));
          if ('virtual_size' in o && o.virtual_size === null) o.virtual_size = o.size;
        }
        list.push(o);
      }
      batch.set(s.collection, list);
    }
    clones.push({ id, owner, visibility });
    if ((i - from) % 1000 === 999) await flush();
  }
  await flush();
  return clones;
}
