/**
 * The bytes of metadef read answers, cached per catalogue snapshot (namespace list and show,
 * and every child read: objects, properties, tags, resource types, associations, single items).
 */
import type { RequestContext } from '../../authn/context.js';
import { policyIdentity } from '../../authz/index.js';
import { Lru } from '../../lru.js';
import type { MetadefSnapshot } from '../../repositories/metadefs.js';
import type { MetadefDeps } from './access.js';
import type { Json } from './render.js';

// Every metadef read answers JSON text cached per catalogue snapshot. A snapshot is immutable
// and a new catalogue version is a new snapshot object, so entries never outlive their data.
// One body per (snapshot, caller's policy identity, request: namespace and resource_type, or
// list query); the identity holds every context field a policy can read, so callers sharing an
// entry get exactly the same decisions. Only successful answers are kept: refusals are recomputed.
const readTexts = new WeakMap<MetadefSnapshot, Lru<string, Buffer>>();
const READ_TEXTS_MAX = 500;

export async function cachedRead(d: MetadefDeps, ctx: RequestContext, request: unknown, build: (snap: MetadefSnapshot) => Json): Promise<Buffer> {
  const snap = await d.repo.snapshot();
  let texts = readTexts.get(snap);
  if (!texts) readTexts.set(snap, (texts = new Lru(READ_TEXTS_MAX)));
  const key = JSON.stringify([policyIdentity(ctx), request]);
  let text = texts.get(key);
  if (text === undefined) {
    text = Buffer.from(JSON.stringify(build(snap)), 'utf8');
    texts.set(key, text);
  }
  return text;
}

