/**
 * Compiles metadef namespace definitions into property checkers, once per namespace version.
 *
 * A namespace is compiled as a whole: one ajv instance per namespace version (so dropping an
 * old version frees its code), one validator per property (namespace properties and the
 * properties of its objects). `pattern`s run on RE2 (re2js, linear time): a hostile pattern
 * cannot hang the service, and a pattern RE2 cannot run (look-around, back-references) is
 * reported as a warning on the property instead of being checked.
 *
 * Consumer keys are `prefix + name` for each resource-type association (glance-v2-api.md §6);
 * `keyIndex` builds that map for one resource type and properties_target.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { coerceScalar, coercerFor, expectedForm, mayHaveOperator, splitList, splitOperators } from './coerce.js';
import type { NamespaceDef, PropertyDef } from './definitions.js';

/** RE2 as ajv's regular-expression engine: linear-time matching, no catastrophic backtracking. */
const re2Engine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
  },
  { code: 're2js' },
);

/** Why `pattern` cannot be used (not valid RE2 syntax, or too long), or null when it is fine. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > 1000) return 'the pattern is longer than 1000 characters';
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    return `the pattern is not supported by the linear-time regular-expression engine (${(e as Error).message})`;
  }
}

export interface CompiledProperty {
  namespace: string;
  /** The object that defines it, for object properties. */
  object?: string;
  /** Unprefixed name, as stored in the namespace. */
  name: string;
  def: PropertyDef;
  /** Set when part of the definition cannot be checked (bad pattern, schema ajv refuses). */
  warning?: string;
  /** The problem with `raw` (a sentence fragment), or null when it satisfies the definition. */
  check(raw: unknown): string | null;
  /**
   * The compiled ajv function behind `check` and the typed value a consumer reads from a raw
   * value (scalar properties; for arrays, the whole-list validator and a list of typed items).
   * Benchmarks call these directly as the "raw ajv" baseline on the same compiled schema.
   */
  ajv: ValidateFunction | null;
  typed(raw: unknown): unknown;
}

export interface CompiledNamespace {
  name: string;
  /** Content hash of the definition: the cache key of this compilation. */
  version: string;
  def: NamespaceDef;
  properties: CompiledProperty[];
}

/** Remembered operator-expression verdicts per property (cleared when full). */
const MEMO_MAX = 256;
/** Longer expressions are not remembered (bounds the memo to ~64 KiB of text per property). */
const MEMO_VALUE_MAX = 256;

const SCALAR_KEYWORDS = ['enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern'] as const;
const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'array', 'object']);

function scalarSchema(def: { type?: string | null } & Partial<Record<(typeof SCALAR_KEYWORDS)[number], unknown>>): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  if (def.type && TYPES.has(def.type) && def.type !== 'array') schema.type = def.type;
  for (const k of SCALAR_KEYWORDS) if (def[k] !== undefined && def[k] !== null) schema[k] = def[k];
  return schema;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `is not one of the allowed values (${(p.allowedValues as unknown[]).map((x) => (typeof x === 'string' ? x : show(x))).join(', ')})`;
    case 'type':
      return `is not ${expectedForm(String(p.type))}, the type`;
    case 'minimum':
      return `is less than the minimum ${p.limit}`;
    case 'maximum':
      return `is greater than the maximum ${p.limit}`;
    case 'minLength':
      return `is shorter than the minimum length ${p.limit}`;
    case 'maxLength':
      return `is longer than the maximum length ${p.limit}`;
    case 'pattern':
      return `does not match the pattern ${p.pattern}`;
    case 'minItems':
      return `has fewer items than the minimum ${p.limit}`;
    case 'maxItems':
      return `has more items than the maximum ${p.limit}`;
    case 'uniqueItems':
      return 'has duplicate items, which are not allowed';
    default:
      return `violates "${e.keyword}"`;
  }
}

function failure(fn: ValidateFunction, shown: unknown): string {
  const e = fn.errors?.[0];
  if (!e) return `${show(shown)} is not valid`;
  // An array item error names the item, not the whole list.
  const data = e.instancePath && e.instancePath !== '' ? e.data : shown;
  return `${show(data)} ${describeError(e)}`;
}

/** Compiled schemas of one namespace by their JSON: families of keys share one rule (and one function). */
type SchemaCache = Map<string, { fn: ValidateFunction | null; error?: string }>;

function compileProperty(ajv: Ajv, shared: SchemaCache, namespace: string, name: string, def: PropertyDef, object?: string): CompiledProperty {
  const warnings: string[] = [];
  const type = def.type && TYPES.has(def.type) ? def.type : null;
  const operators = new Set((def.operators ?? []).filter((o) => typeof o === 'string'));

  const compile = (schema: Record<string, unknown>): ValidateFunction | null => {
    if (typeof schema.pattern === 'string') {
      const why = patternProblem(schema.pattern);
      if (why) {
        warnings.push(`${why}; the pattern is not checked`);
        delete schema.pattern;
      }
    }
    const key = JSON.stringify(schema);
    let c = shared.get(key);
    if (!c) {
      try {
        c = { fn: ajv.compile(schema) };
      } catch (e) {
        c = { fn: null, error: (e as Error).message };
      }
      shared.set(key, c);
    }
    if (c.error !== undefined) warnings.push(`the definition cannot be compiled (${c.error}); it is not checked`);
    return c.fn;
  };

  let check: (raw: unknown) => string | null;
  let ajvFn: ValidateFunction | null;
  let typed: (raw: unknown) => unknown;
  if (type === 'array') {
    const itemType = def.items?.type ?? null;
    const itemSchema = scalarSchema({ type: itemType, enum: def.items?.enum ?? undefined });
    const arraySchema: Record<string, unknown> = { type: 'array', items: itemSchema };
    for (const k of ['minItems', 'maxItems', 'uniqueItems'] as const) if (def[k] !== undefined && def[k] !== null) arraySchema[k] = def[k];
    const item = compile({ ...itemSchema });
    const list = compile(arraySchema);
    ajvFn = list;
    typed = (raw) => (typeof raw === 'string' ? splitList(raw) : Array.isArray(raw) ? raw : [raw]).map((x) => (itemType ? coerceScalar(x, itemType) : x));
    const coerceItem = (raw: unknown, shown: unknown): { v: unknown } | string => {
      const v = itemType ? coerceScalar(raw, itemType) : raw;
      return v === undefined ? `${show(shown)} is not ${expectedForm(itemType!)}, the item type` : { v };
    };
    check = (raw) => {
      let items: unknown[];
      if (typeof raw === 'string') {
        const split = splitOperators(raw);
        if (split.operator) {
          if (!operators.has(split.operator)) return operatorProblem(raw, split.operator, operators);
          if (split.operator !== '<all-in>') {
            // <or>/<in>: each operand is one acceptable item.
            for (const operand of split.operands) {
              const c = coerceItem(operand, operand);
              if (typeof c === 'string') return c;
              if (item && !item(c.v)) return failure(item, operand);
            }
            return null;
          }
          items = split.operands;
        } else {
          items = splitList(raw);
        }
      } else if (Array.isArray(raw)) {
        items = raw;
      } else {
        items = [raw];
      }
      const typed: unknown[] = [];
      for (const it of items) {
        const c = coerceItem(it, it);
        if (typeof c === 'string') return c;
        typed.push(c.v);
      }
      if (list && !list(typed)) return failure(list, typeof raw === 'string' ? raw : typed);
      return null;
    };
  } else {
    const fn = compile(scalarSchema({ ...def, type }));
    ajvFn = fn;
    typed = (raw) => (type ? coerceScalar(raw, type) : raw);
    const one = (operand: unknown): string | null => {
      const v = type ? coerceScalar(operand, type) : operand;
      if (v === undefined) return `${show(operand)} is not ${expectedForm(type!)}, the type`;
      if (fn && !fn(v)) return failure(fn, operand);
      return null;
    };
    const NOT_AN_OPERATOR = '\u0000';
    const memo = new Map<string, string | null>();
    const checkOperators = (raw: string): string | null => {
      const split = splitOperators(raw);
      if (!split.operator) return NOT_AN_OPERATOR;
      if (!operators.has(split.operator)) return operatorProblem(raw, split.operator, operators);
      for (const operand of split.operands) {
        const p = one(operand);
        if (p) return p;
      }
      return null;
    };
    // The hot path: a plain string (or JSON scalar) checked by one compiled ajv function.
    const read = coercerFor(type);
    const hasOperators = operators.size > 0;
    const ok = fn ?? ((_: unknown) => true);
    check = (raw) => {
      if (typeof raw === 'string') {
        if (hasOperators && mayHaveOperator(raw)) {
          // Operator expressions repeat (schedulers send the same extra specs): remember verdicts.
          const memorable = raw.length <= MEMO_VALUE_MAX;
          const known = memorable ? memo.get(raw) : undefined;
          if (known !== undefined) return known;
          const problem = checkOperators(raw);
          if (problem !== NOT_AN_OPERATOR) {
            if (memorable) {
              if (memo.size >= MEMO_MAX) memo.clear();
              memo.set(raw, problem);
            }
            return problem;
          }
        }
        const v = read(raw);
        if (v === undefined) return `${show(raw)} is not ${expectedForm(type!)}, the type`;
        return ok(v) ? null : failure(fn!, raw);
      }
      if (Array.isArray(raw)) return `${show(raw)} is a list but the type is ${type ?? 'not a list'}; a list is not expected`;
      return ok(raw) ? null : failure(fn!, raw);
    };
    // Most definitions are a string enum or a number without operators: one call, no reader.
    if (!hasOperators && fn && (type === 'string' || type === null)) {
      const general = check;
      check = (raw) => (typeof raw === 'string' ? (fn(raw) ? null : failure(fn, raw)) : general(raw));
    }
  }
  return { namespace, object, name, def, check, ajv: ajvFn, typed, ...(warnings.length ? { warning: warnings.join('; ') } : {}) };
}

function operatorProblem(raw: string, op: string, allowed: Set<string>): string {
  const list = allowed.size ? [...allowed].join(', ') : 'none';
  return `${show(raw)} uses the operator ${op}, which is not among the allowed operators (${list})`;
}

/** A stable content hash of a definition (key order does not matter). */
export function definitionVersion(def: NamespaceDef): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  const relevant = { namespace: def.namespace, a: def.resource_type_associations ?? [], p: def.properties ?? {}, o: def.objects ?? [] };
  return createHash('sha1').update(JSON.stringify(canon(relevant))).digest('hex');
}

export function compileNamespace(def: NamespaceDef, version = definitionVersion(def)): CompiledNamespace {
  const ajv = new Ajv({ strict: false, allErrors: false, verbose: true, validateSchema: false, code: { regExp: re2Engine } });
  const properties: CompiledProperty[] = [];
  const shared: SchemaCache = new Map();
  for (const [name, p] of Object.entries(def.properties ?? {})) properties.push(compileProperty(ajv, shared, def.namespace, name, p ?? {}));
  for (const obj of def.objects ?? []) {
    for (const [name, p] of Object.entries(obj.properties ?? {})) properties.push(compileProperty(ajv, shared, def.namespace, name, p ?? {}, obj.name));
  }
  return { name: def.namespace, version, def, properties };
}

/** Compiled namespaces by content version; `retain` drops versions no longer in use. */
export class CompileCache {
  private readonly byVersion = new Map<string, CompiledNamespace>();
  compiles = 0;

  get(def: NamespaceDef): CompiledNamespace {
    const version = definitionVersion(def);
    let c = this.byVersion.get(version);
    if (!c) {
      c = compileNamespace(def, version);
      this.compiles++;
      this.byVersion.set(version, c);
    }
    return c;
  }

  retain(versions: Set<string>): void {
    for (const v of this.byVersion.keys()) if (!versions.has(v)) this.byVersion.delete(v);
  }
}

export { keyIndex, KeyIndex, type KeyEntry } from './key-index.js';
