import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { VersionConflictError, notFound } from '../../domain/errors.js';
import { now, type NamespaceDoc } from '../../repositories/metadefs.js';
import { assertNotProtected, unique, type MetadefDeps } from './access.js';

interface ChildDoc {
  _id: string;
  ns_id: string;
  name: string;
  updated_at: Date | null;
  version: number;
}

/**
 * PUT of one child of a namespace (object, property or tag): a version-checked replace that may
 * rename it. A lost race re-reads and tries again; after four, the caller gets a 409.
 * Returns the document as it was and as it is now.
 */
export async function replaceChild<T extends ChildDoc>(
  d: MetadefDeps,
  coll: Collection<T>,
  nsId: string,
  name: string,
  o: { kind: string; notFound: string; duplicate: string },
  build: (cur: T) => Partial<T>,
): Promise<{ before: T; after: T }> {
  for (let attempt = 0; ; attempt++) {
    const cur = await d.repo.findChild(coll, nsId, name);
    if (!cur) throw notFound(o.notFound);
    const next = { ...build(cur), updated_at: now(), version: cur.version + 1 } as Partial<T>;
    const r = await d.repo.write(() => unique(o.duplicate, () => coll.updateOne({ _id: cur._id, version: cur.version } as Filter<T>, { $set: next } as UpdateFilter<T>)));
    if (r.matchedCount === 1) return { before: cur, after: { ...cur, ...next } };
    if (attempt >= 3) throw new VersionConflictError(`${o.kind} ${name} was changed by another request; try again.`);
  }
}

/**
 * DELETE of the one child of `ns` that `filter` finds: 404 when there is none, 403 when the
 * namespace is protected (`protectedFirst`: before the lookup, as upstream does for tags).
 * Returns the deleted document, for the notification.
 */
export async function deleteChild<T extends { _id: string }>(
  d: MetadefDeps,
  ns: NamespaceDoc,
  coll: Collection<T>,
  filter: Filter<T>,
  notFoundMessage: string,
  protectedFirst = false,
): Promise<T> {
  if (protectedFirst) assertNotProtected(ns);
  const cur = (await coll.findOne(filter)) as T | null;
  if (!cur) throw notFound(notFoundMessage);
  assertNotProtected(ns);
  await d.repo.write(() => coll.deleteOne({ _id: cur._id } as Filter<T>));
  return cur;
}

/** DELETE of every child of one kind (objects, properties or tags) of `ns`: 403 when it is protected. */
export async function deleteChildren<T extends { ns_id: string }>(d: MetadefDeps, ns: NamespaceDoc, coll: Collection<T>): Promise<void> {
  assertNotProtected(ns);
  await d.repo.write(() => coll.deleteMany({ ns_id: ns._id } as Filter<T>));
}
