import fc from 'fast-check';

/**
 * Arbitraries derived from the OpenAPI document's own schemas (OpenAPI 3.0 subset: `$ref`,
 * `type`, `enum`, `format`, `pattern`, lengths, bounds, `required`, `additionalProperties`,
 * `nullable`, `allOf`/`oneOf`/`anyOf`), and mutations of what they produce: wrong types,
 * missing and extra fields, values at and past the bounds, odd Unicode, deep nesting and
 * prototype keys. Valid values reach the services; mutated ones probe the validation stage.
 */

export type Schema = Record<string, any>;

/** Strings that have broken parsers, stores and link builders before. */
export const ODD_STRINGS: string[] = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udc00',
  'pair\ud83d\ude80',
  '\u202eevil',
  '\ufeffbom',
  'caf\u00e9',
  '\u0130\u00df',
  '../../etc/passwd',
  '..',
  '.',
  'a/b',
  'a%2Fb',
  '%00',
  '50%',
  '\\',
  '"quoted"',
  "'",
  '<script>',
  '${x}',
  '$where',
  '$gt',
  'a.b',
  '\r\nX-Injected: 1',
  '\t',
  ' padded ',
  'NaN',
  '-1',
  '1e309',
  'true',
  'null',
  '0x10',
  '9'.repeat(40),
  'x'.repeat(256),
  'y'.repeat(4096),
];

/** Keys an attacker adds: prototype pollution, MongoDB operators and paths, internal fields. */
export const ODD_KEYS: string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$set', '$where', 'a.b', '.', '', 'k\u0000', 'k\ud800', '_id', 'id', 'owner', 'deleted', 'version', 'x'.repeat(300)];

/** Values of every JSON type, for wrong-type mutations. */
export const ODD_VALUES: unknown[] = [0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, true, false, null, [], {}, '', 'x', [null], { a: 1 }, ['x', 1]];

const DEEP = '\u0001deep\u0001';

export class Deriver {
  constructor(private readonly doc: Schema) {}

  /** Follows local `$ref`s (`#/components/...`). */
  resolve(s: Schema | undefined): Schema {
    let out = s ?? {};
    for (let i = 0; out.$ref && i < 20; i++) {
      const path = String(out.$ref).replace(/^#\//, '').split('/');
      out = path.reduce<any>((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc) ?? {};
    }
    return out;
  }

  /** Values the schema accepts (with lengths and bounds at their edges as often as inside). */
  valid(schemaIn: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schemaIn);
    const nullable = (a: fc.Arbitrary<unknown>) => (s.nullable ? fc.option(a, { nil: null, freq: 5 }) : a);
    if (Array.isArray(s.enum) && s.enum.length) return nullable(fc.constantFrom(...s.enum));
    if (s.allOf) return this.valid(mergeAll(s.allOf.map((x: Schema) => this.resolve(x))), depth);
    if (s.oneOf || s.anyOf) return fc.oneof(...(s.oneOf ?? s.anyOf).map((x: Schema) => this.valid(x, depth + 1)));
    if (Array.isArray(s.type)) {
      // JSON Schema type lists (the image schema's `["null", "string"]`)
      return fc.oneof(...s.type.map((t: string) => (t === 'null' ? fc.constant(null) : this.valid({ ...s, type: t }, depth))));
    }
    const type = s.type ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
    switch (type) {
      case 'string':
        return nullable(stringFor(s));
      case 'integer':
      case 'number': {
        const min = s.minimum ?? -(2 ** 31);
        const max = s.maximum ?? 2 ** 31;
        const int = fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 53 - 1))), max: Math.floor(Math.min(max, 2 ** 53 - 1)) });
        const edges = fc.constantFrom(...[s.minimum, s.maximum, 0].filter((v) => typeof v === 'number'));
        return nullable(type === 'integer' ? fc.oneof(int, edges) : fc.oneof(int, edges, fc.double({ min, max, noNaN: true, noDefaultInfinity: true })));
      }
      case 'boolean':
        return nullable(fc.boolean());
      case 'array': {
        const minLength = s.minItems ?? 0;
        const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 4, 4));
        const items = depth > 5 ? fc.constant('x') : this.valid(s.items, depth + 1);
        return nullable(
          s.uniqueItems ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(items, { minLength, maxLength }),
        );
      }
      case 'object': {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const required = new Set<string>(s.required ?? []);
        // past a few levels only the required fields are generated
        const keys = Object.keys(props).filter((k) => depth < 4 || required.has(k));
        const record = fc.record(Object.fromEntries(keys.map((k) => [k, this.valid(props[k], depth + 1)])), {
          requiredKeys: keys.filter((k) => required.has(k)),
        });
        // as often, only the required fields: nested optional parts each carry their own rules
        const minimal = fc.record(Object.fromEntries([...required].filter((k) => props[k]).map((k) => [k, this.valid(props[k], depth + 1)])));
        const add = s.additionalProperties;
        if (add === false || add === undefined || depth > 4) return nullable(fc.oneof(record, minimal));
        const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), add === true ? fc.jsonValue({ maxDepth: 2 }) : this.valid(add, depth + 1), { maxKeys: 3 });
        return nullable(fc.oneof(minimal, fc.tuple(record, extra).map(([r, e]) => ({ ...e, ...r }))));
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  /** Valid values, and valid values with one mutation applied (about half each). */
  values(schema: Schema | undefined): fc.Arbitrary<unknown> {
    return fc.oneof(this.valid(schema), fc.tuple(this.valid(schema), mutationArb).map(([v, m]) => mutate(v, m)));
  }

  /** Valid values with one mutation of the given kind: the systematic pass sends every kind to every body. */
  mutatedBy(schema: Schema | undefined, kind: MutationKind): fc.Arbitrary<unknown> {
    // key twists 0-3 (NUL, lone surrogates) are the ones stores choke on: the systematic pass always uses those
    const m = kind === 'oddKey' ? fc.record({ kind: fc.constant('oddKey' as const), at: fc.nat(), key: fc.nat(), value: fc.nat({ max: 3 }) }) : mutationArb.filter((x) => x.kind === kind);
    return fc.tuple(this.valid(schema), m).map(([v, x]) => mutate(v, x));
  }
}

function mergeAll(parts: Schema[]): Schema {
  const out: Schema = { type: 'object', properties: {}, required: [] };
  for (const p of parts) {
    Object.assign(out.properties, p.properties ?? {});
    out.required.push(...(p.required ?? []));
    if (p.additionalProperties !== undefined) out.additionalProperties = p.additionalProperties;
    if (p.type) out.type = p.type;
  }
  return out;
}

function stringFor(s: Schema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = s.maxLength ?? 64;
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'uri' || s.format === 'url') return fc.webUrl();
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= minLength && x.length <= maxLength);
    } catch {
      /* a pattern fast-check cannot generate from: plain strings below */
    }
  }
  // mostly names as clients write them, some non-ASCII text (odd Unicode comes from the mutations)
  const unit = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...'abcxyzABZ0189-_. :'.split('')) }, { weight: 1, arbitrary: fc.constantFrom('\u00e9', '\u00fc', '\u4e2d', '\u0416', '\u00df') });
  const inside = fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 24), unit });
  // at the bounds: exactly min and exactly max long
  const edges = fc.constantFrom('m'.repeat(minLength || 1), 'M'.repeat(Math.min(maxLength, 100_000)));
  return fc.oneof({ weight: 3, arbitrary: inside }, { weight: 1, arbitrary: edges });
}

type Mutation =
  | { kind: 'wrongType'; at: number; value: number }
  | { kind: 'dropKey'; at: number; key: number }
  | { kind: 'extraKey'; at: number; key: number; value: number }
  | { kind: 'oddString'; at: number; value: number }
  | { kind: 'oddKey'; at: number; key: number; value: number }
  | { kind: 'pastMax'; at: number; by: number }
  | { kind: 'deep'; at: number; depth: number; open: string }
  | { kind: 'proto'; at: number; key: number };

export const MUTATION_KINDS = ['oddKey', 'oddString', 'wrongType', 'dropKey', 'extraKey', 'pastMax', 'deep', 'proto'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wrongType' as const), at: fc.nat(), value: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dropKey' as const), at: fc.nat(), key: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extraKey' as const), at: fc.nat(), key: fc.nat(), value: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('oddKey' as const), at: fc.nat(), key: fc.nat(), value: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('oddString' as const), at: fc.nat(), value: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pastMax' as const), at: fc.nat(), by: fc.constantFrom(1, 2, 1000, 70_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.constantFrom(64, 1000, 20_000, 200_000), open: fc.constantFrom('[', '{"a":') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('proto' as const), at: fc.nat(), key: fc.nat() }) },
);

/** What a key is turned into by `oddKey`: NUL, lone surrogates and other text stores have choked on. */
const KEY_TWISTS: ((k: string) => string)[] = [
  (k) => `${k}\u0000`,
  (k) => `\u0000${k}`,
  (k) => `${k}\ud800`,
  (k) => `\udc00${k}`,
  (k) => `${k}\ud83d\ude80`,
  (k) => `$${k}`,
  (k) => `${k}.x`,
  (k) => k.toUpperCase(),
  (k) => ` ${k}`,
  (k) => `${k}\u202e`,
];

/** Every container and leaf in a JSON value, with a setter to replace it. */
function nodes(root: { v: unknown }): { get(): unknown; set(x: unknown): void }[] {
  const out: { get(): unknown; set(x: unknown): void }[] = [{ get: () => root.v, set: (x) => (root.v = x) }];
  for (let i = 0; i < out.length && out.length < 200; i++) {
    const v = out[i].get();
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) out.push({ get: () => o[k], set: (x) => (o[k] = x) });
    }
  }
  return out;
}

/** Applies one mutation to a copy of `value`; the result may contain `deep` markers (see toJsonText). */
export function mutate(value: unknown, m: Mutation): unknown {
  const root = { v: value === undefined ? undefined : JSON.parse(JSON.stringify(value)) };
  const all = nodes(root);
  const pick = (pred: (v: unknown) => boolean) => {
    const fit = all.filter((n) => pred(n.get()));
    return fit.length ? fit[m.at % fit.length] : all[m.at % all.length];
  };
  const isObject = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
  switch (m.kind) {
    case 'wrongType': {
      const n = pick(() => true);
      const cur = n.get();
      const options = ODD_VALUES.filter((x) => typeof x !== typeof cur || Array.isArray(x) !== Array.isArray(cur));
      n.set(options[m.value % options.length]);
      break;
    }
    case 'dropKey': {
      const n = pick(isObject);
      const o = n.get();
      if (isObject(o)) {
        const keys = Object.keys(o as object);
        if (keys.length) delete (o as Record<string, unknown>)[keys[m.key % keys.length]];
      }
      break;
    }
    case 'extraKey':
    case 'proto': {
      const n = pick(isObject);
      const o = n.get();
      const key = m.kind === 'proto' ? ['__proto__', 'constructor', 'prototype'][m.key % 3] : ODD_KEYS[m.key % ODD_KEYS.length];
      const val = m.kind === 'proto' ? { polluted: 'yes', isAdmin: true } : [...ODD_VALUES, ...ODD_STRINGS][m.value % (ODD_VALUES.length + ODD_STRINGS.length)];
      // defineProperty: an own `__proto__` key, as JSON.parse makes it on the server
      if (isObject(o)) Object.defineProperty(o, key, { value: val, enumerable: true, writable: true, configurable: true });
      else n.set(JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(val)}}`));
      break;
    }
    case 'oddKey': {
      // a key the schema knows, twisted, with its value kept: only the name is odd
      const n = pick(isObject);
      const o = n.get();
      if (isObject(o)) {
        const keys = Object.keys(o as object);
        const rec = o as Record<string, unknown>;
        const k = keys.length ? keys[m.key % keys.length] : 'name';
        const v = k in rec ? rec[k] : 'v';
        delete rec[k];
        Object.defineProperty(rec, KEY_TWISTS[m.value % KEY_TWISTS.length](k), { value: v, enumerable: true, writable: true, configurable: true });
      }
      break;
    }
    case 'oddString': {
      const n = pick((v) => typeof v === 'string');
      n.set(ODD_STRINGS[m.value % ODD_STRINGS.length]);
      break;
    }
    case 'pastMax': {
      const n = pick((v) => typeof v === 'string' || Array.isArray(v) || typeof v === 'number');
      const cur = n.get();
      if (typeof cur === 'string') n.set(cur + 'p'.repeat(m.by));
      else if (Array.isArray(cur)) n.set([...cur, ...Array.from({ length: Math.min(m.by, 2000) }, () => (cur.length ? cur[0] : 'x'))]);
      else if (typeof cur === 'number') n.set(cur + m.by * 2 ** 32);
      break;
    }
    case 'deep': {
      pick(() => true).set(`${DEEP}${m.depth}:${m.open}${DEEP}`);
      break;
    }
  }
  return root.v;
}

/** JSON text of a value, with `deep` markers expanded into nesting too deep to stringify recursively. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0001deep\\u0001(\d+):(\[|\{\\"a\\":)\\u0001deep\\u0001"/g, (_, n: string, open: string) => {
    const depth = Number(n);
    return open === '[' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  });
}
