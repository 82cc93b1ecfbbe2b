/**
 * Property validation for other services: "is this set of properties valid for this resource
 * type?", answered from the metadef catalogue the caller may see.
 *
 * Freshness: every call asks the source for the catalogue with a request that starts after the
 * call arrived, and recompiles when its version moved. The source (the metadef service) answers
 * from memory and reads the version stamp (`metadef_state`, bumped by every metadef write before
 * the write returns) at most every METADEF_CACHE_CHECK_MS, and at once after a write of this
 * process; with 0 it reads the stamp on every call. Concurrent calls share source reads: while
 * one is in flight, later arrivals wait for the next one, so no answer is older than the last
 * write the source had seen when the call arrived.
 * Compilation is cached by namespace content (one ajv compile per namespace version); the
 * consumer-key index is cached per catalogue version, caller identity and request shape.
 */
import type { RequestContext } from '../../authn/context.js';
import { DomainError } from '../../domain/errors.js';
import type { MetadefSnapshot, NamespaceEntry } from '../../repositories/metadefs.js';
import { CompileCache, keyIndex, type CompiledNamespace, type KeyIndex } from './compile.js';
import type { NamespaceDef, PropertyDef } from './definitions.js';
import { checkInput, DEFAULT_LIMITS, evaluate, type InputLimits, type ValidationResult } from './evaluate.js';

/** Where the catalogue comes from (the metadef service: its in-memory copy, checked against the version stamp). */
export interface CatalogSource {
  snapshot(): Promise<MetadefSnapshot>;
}

/** The part of the authorizer (src/authz) validation uses. */
export interface VisibilityAuthorizer {
  can(ctx: RequestContext, rule: string, subject: 'MetadefNamespace', resource: object): boolean;
}

export interface ValidateOptions {
  /** Only these namespaces (each must exist and be visible, else 400). */
  namespaces?: string[];
  /** The association's properties_target (e.g. `image` for Cinder volume image metadata). */
  propertiesTarget?: string | null;
}

/** A validator bound to one catalogue version, caller and resource type: pure and synchronous. */
export interface BoundValidator {
  readonly catalogVersion: number;
  readonly index: KeyIndex;
  validate(props: Record<string, unknown>): ValidationResult;
}

export interface ValidationService {
  validate(ctx: RequestContext, resourceType: string, props: unknown, opts?: ValidateOptions): Promise<ValidationResult>;
  validateBatch(ctx: RequestContext, resourceType: string, items: unknown[], opts?: ValidateOptions): Promise<{ valid: boolean; items: ValidationResult[] }>;
  /** One stamp check, then a validator for in-process use (benchmarks, bulk callers). */
  prepare(ctx: RequestContext, resourceType: string, opts?: ValidateOptions): Promise<BoundValidator>;
  /** Counters for tests and metrics. */
  stats(): { compiles: number; reloads: number };
}

export interface ValidationDeps {
  source: CatalogSource;
  authz: VisibilityAuthorizer;
  limits?: Partial<InputLimits> & { maxBatchItems?: number };
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A stored namespace in the shape of the standard definition files. */
export function entryToDefinition(e: NamespaceEntry): NamespaceDef {
  return {
    namespace: e.ns.namespace,
    visibility: e.ns.visibility,
    owner: e.ns.owner,
    protected: e.ns.protected,
    resource_type_associations: e.associations.map((a) => ({ name: a.resource_type, prefix: a.prefix, properties_target: a.properties_target })),
    properties: Object.fromEntries(e.properties.map((p) => [p.name, parseJson<PropertyDef>(p.def_json, {})])),
    objects: e.objects.map((o) => ({ name: o.name, required: o.required, properties: parseJson<Record<string, PropertyDef>>(o.properties_json, {}) })),
  };
}

interface Compiled {
  version: number;
  /** Namespace name → its stored document (for the policy check) and compilation. */
  namespaces: Map<string, { doc: object; compiled: CompiledNamespace }>;
  indexes: Map<string, KeyIndex>;
  visible: Map<string, { names: string[]; key: string }>;
}

const CACHE_ENTRIES = 1000;

function identityKey(ctx: RequestContext): string {
  const { requestId: _r, expiresAt: _e, ...who } = ctx;
  return JSON.stringify(who);
}

export function createValidationService(deps: ValidationDeps): ValidationService {
  const limits: InputLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const maxBatch = deps.limits?.maxBatchItems ?? 100;
  const cache = new CompileCache();
  let current: Compiled | undefined;
  let reloads = 0;

  // Stamp-read barrier: a call joins only a read that starts after it arrived.
  let inflight: Promise<MetadefSnapshot> | undefined;
  let queued: Promise<MetadefSnapshot> | undefined;
  function freshSnapshot(): Promise<MetadefSnapshot> {
    if (!inflight) {
      inflight = deps.source.snapshot().finally(() => {
        inflight = undefined;
      });
      return inflight;
    }
    queued ??= inflight
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return freshSnapshot();
      });
    return queued;
  }

  async function catalog(): Promise<Compiled> {
    const snap = await freshSnapshot();
    // Any difference reloads (a stamp can also go back, e.g. when the database was recreated).
    if (current && current.version === snap.version) return current;
    const namespaces = new Map<string, { doc: object; compiled: CompiledNamespace }>();
    for (const [name, e] of snap.namespaces) namespaces.set(name, { doc: e.ns, compiled: cache.get(entryToDefinition(e)) });
    cache.retain(new Set([...namespaces.values()].map((n) => n.compiled.version)));
    reloads++;
    current = { version: snap.version, namespaces, indexes: new Map(), visible: new Map() };
    return current;
  }

  /** The namespaces `ctx` may read (cached per catalogue version and caller identity). */
  function visibleNames(c: Compiled, ctx: RequestContext, who: string): { names: string[]; key: string } {
    let v = c.visible.get(who);
    if (!v) {
      const names = [...c.namespaces].filter(([, n]) => deps.authz.can(ctx, 'get_metadef_namespace', 'MetadefNamespace', n.doc)).map(([name]) => name);
      v = { names, key: names.join('\n') };
      if (c.visible.size >= CACHE_ENTRIES) c.visible.clear();
      c.visible.set(who, v);
    }
    return v;
  }

  async function prepare(ctx: RequestContext, resourceType: string, opts: ValidateOptions = {}): Promise<BoundValidator> {
    const c = await catalog();
    const visible = visibleNames(c, ctx, identityKey(ctx));
    const target = opts.propertiesTarget ?? null;
    const subset = opts.namespaces ? [...new Set(opts.namespaces)].sort() : null;
    if (subset) {
      const seen = new Set(visible.names);
      const missing = subset.filter((n) => !seen.has(n));
      if (missing.length) throw new DomainError('Invalid', `Unknown namespace${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. Only existing namespaces you may see can be used.`);
    }
    // Callers who see the same namespaces (e.g. every member of a project) share one index.
    const key = JSON.stringify([visible.key, resourceType, target, subset]);
    let index = c.indexes.get(key);
    if (!index) {
      index = keyIndex(
        (subset ?? visible.names).map((n) => c.namespaces.get(n)!.compiled),
        resourceType,
        target,
      );
      if (c.indexes.size >= CACHE_ENTRIES) c.indexes.clear();
      c.indexes.set(key, index);
    }
    const bound = index;
    return { catalogVersion: c.version, index: bound, validate: (props) => evaluate(bound, props) };
  }

  return {
    prepare,
    async validate(ctx, resourceType, props, opts) {
      checkInput(props, limits);
      return (await prepare(ctx, resourceType, opts)).validate(props);
    },
    async validateBatch(ctx, resourceType, items, opts) {
      if (!Array.isArray(items)) throw new DomainError('Invalid', 'items must be a list of {"properties": {...}} objects.');
      if (items.length > maxBatch) throw new DomainError('TooLarge', `items has ${items.length} entries; at most ${maxBatch} property maps can be validated in one call.`);
      const maps = items.map((it, i) => {
        const props = (it as { properties?: unknown } | null)?.properties;
        checkInput(props, limits, `items[${i}].properties`);
        return props;
      });
      const v = await prepare(ctx, resourceType, opts);
      const results = maps.map((m) => v.validate(m));
      return { valid: results.every((r) => r.valid), items: results };
    },
    stats: () => ({ compiles: cache.compiles, reloads }),
  };
}
