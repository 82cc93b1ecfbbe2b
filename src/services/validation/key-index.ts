/**
 * Consumer keys → the compiled definitions that apply to them, for one resource type.
 *
 * A key is `prefix + name` for each resource-type association (glance-v2-api.md §6). Two
 * extensions of the property definition shape a key's definitions:
 *
 * - `x-name-pattern` (`{"num": "\\d+"}`): the property name is a template whose `{num}`
 *   placeholders stand for text matching the parameter's pattern (RE2, whole parameter), so
 *   `numa_cpus.{num}` with prefix `hw:` covers `hw:numa_cpus.0`, `hw:numa_cpus.12`, ...
 *   Templated names are matched when a key has no exact definition, and are remembered per key.
 * - `x-authority` (`"nova"`): the definition states the rule of the consumer named. When
 *   definitions with and without an authority apply to the same key, only those with one are
 *   checked (the consumer's current rule wins over an older general-purpose definition); the
 *   others stay in the catalogue and its listings.
 */
import { RE2JS } from 're2js';
import type { CompiledNamespace, CompiledProperty } from './compile.js';

/** The definitions of one consumer key, and its (shared, frozen) verdict when the value satisfies them all. */
export interface KeyEntry {
  defs: CompiledProperty[];
  /** `defs[0].check` when it is the only definition (the usual case): one call on the hot path. */
  only: ((raw: unknown) => string | null) | null;
  valid: Readonly<{ status: 'valid'; namespace: string; object?: string; warning?: string }>;
}

interface Template {
  /** Literal text every matching key starts and ends with (a cheap test before the RE2 match). */
  head: string;
  tail: string;
  /** Compiled on first use: most templates of a family never see a key that passes head and tail. */
  source: string;
  re?: RE2JS | null;
  prop: CompiledProperty;
}

function matches(t: Template, key: string): boolean {
  if (t.re === undefined) {
    try {
      t.re = RE2JS.compile(t.source);
    } catch {
      t.re = null; // a parameter pattern RE2 cannot run: the template covers no key (the loader refuses such files)
    }
  }
  return t.re !== null && t.re.test(key);
}

/** Keys matched against templates, remembered (with misses) up to this many, then forgotten. */
const MEMO_MAX = 4096;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const quote = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

/** The parameters of a definition's name template, when it has any placeholder they describe. */
export function nameParameters(p: { name: string; def: { 'x-name-pattern'?: unknown } }): Record<string, string> | null {
  const params = p.def['x-name-pattern'];
  if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
  const used = [...p.name.matchAll(PLACEHOLDER)].some((m) => typeof (params as Record<string, unknown>)[m[1]] === 'string');
  return used ? (params as Record<string, string>) : null;
}

/** The full-match regular expression of `prefix + name` with its parameters, and its literal ends. */
export function templateRegex(prefix: string, name: string, params: Record<string, string>): { source: string; head: string; tail: string } {
  let source = '';
  let literal = prefix;
  let head: string | null = null;
  let last = 0;
  for (const m of name.matchAll(PLACEHOLDER)) {
    const pattern = params[m[1]];
    if (typeof pattern !== 'string') continue; // not a parameter: literal text
    literal += name.slice(last, m.index);
    head ??= literal;
    source += quote(literal) + `(?:${pattern})`;
    literal = '';
    last = m.index! + m[0].length;
  }
  literal += name.slice(last);
  source += quote(literal);
  return { source: `^(?:${source})$`, head: head ?? literal, tail: literal };
}

function entry(list: CompiledProperty[]): KeyEntry {
  const ruling = list.some((d) => d.def['x-authority']) ? list.filter((d) => d.def['x-authority']) : list;
  const d = ruling[0];
  const warning = ruling.map((x) => x.warning).filter(Boolean).join('; ');
  const valid = Object.freeze({ status: 'valid' as const, namespace: d.namespace, ...(d.object ? { object: d.object } : {}), ...(warning ? { warning } : {}) });
  return { defs: ruling, only: ruling.length === 1 ? ruling[0].check : null, valid };
}

/** Consumer key → every compiled definition that applies to it; `get` also matches name templates. */
export class KeyIndex extends Map<string, KeyEntry> {
  private templates: Template[] = [];
  private memo = new Map<string, KeyEntry | null>();

  /** Builds the index from exact keys and templates (called once, by `keyIndex`). */
  init(exact: Map<string, CompiledProperty[]>, templates: Template[]): this {
    this.templates = templates;
    for (const [key, list] of exact) {
      const all = [...list];
      for (const t of this.matching(key)) if (!all.includes(t.prop)) all.push(t.prop);
      super.set(key, entry(all));
    }
    return this;
  }

  private matching(key: string): Template[] {
    const out: Template[] = [];
    for (const t of this.templates) {
      if (key.length >= t.head.length + t.tail.length && key.startsWith(t.head) && key.endsWith(t.tail) && matches(t, key)) out.push(t);
    }
    return out;
  }

  override get(key: string): KeyEntry | undefined {
    const e = super.get(key);
    if (e !== undefined || this.templates.length === 0) return e;
    let m = this.memo.get(key);
    if (m === undefined) {
      const found = this.matching(key);
      m = found.length ? entry(found.map((t) => t.prop)) : null;
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(key, m);
    }
    return m ?? undefined;
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }
}

/**
 * The consumer keys of `namespaces` for `resourceType`: each association with that name and the
 * same properties_target (absent on both sides counts as equal) contributes `prefix + name`.
 */
export function keyIndex(namespaces: Iterable<CompiledNamespace>, resourceType: string, target: string | null = null): KeyIndex {
  const exact = new Map<string, CompiledProperty[]>();
  const templates: Template[] = [];
  for (const ns of namespaces) {
    for (const a of ns.def.resource_type_associations ?? []) {
      if (a.name !== resourceType || (a.properties_target ?? null) !== (target ?? null)) continue;
      const prefix = a.prefix ?? '';
      for (const p of ns.properties) {
        const params = nameParameters(p);
        if (params) {
          const t = templateRegex(prefix, p.name, params);
          templates.push({ head: t.head, tail: t.tail, source: t.source, prop: p });
          continue;
        }
        const key = prefix + p.name;
        const list = exact.get(key);
        if (list) {
          if (!list.includes(p)) list.push(p);
        } else exact.set(key, [p]);
      }
    }
  }
  return new KeyIndex().init(exact, templates);
}
