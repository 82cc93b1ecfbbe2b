/**
 * Checks that a metadef property definition is a usable JSON schema (glance-v2-api.md §6).
 * The OpenAPI document already checks the shape (known keywords, their JSON types); this
 * checks what a shape cannot: the keywords agree with `type` and with each other, `default`
 * and `enum` values satisfy the definition, and `pattern` is a regular expression that is
 * both valid and safe to run.
 */
import { Ajv } from 'ajv';
import { RE2JS } from 're2js';
import { invalid } from '../../domain/errors.js';

export type PropertyDefinition = Record<string, unknown>;

const NUMERIC = ['minimum', 'maximum'];
const STRINGY = ['minLength', 'maxLength', 'pattern'];
const ARRAYISH = ['items', 'minItems', 'maxItems', 'uniqueItems', 'additionalItems'];
/** Keywords that describe the property to people and tools, not its values. */
const ANNOTATIONS = new Set(['name', 'title', 'description', 'operators', 'readonly', 'default', 'required']);

const PATTERN_MAX = 1000;
/** Most remembered pattern verdicts and compiled checkers (each map is cleared when full). */
const COMPILED_MAX = 2000;

/**
 * Why `pattern` cannot be accepted, or null.
 *
 * Patterns are run against property values submitted by any project, so a pattern must not
 * be able to backtrack catastrophically (`(a+)+$` takes exponential time in a backtracking
 * engine). The rule: the pattern must compile as an ECMAScript regular expression (what API
 * clients and dashboards use) AND under RE2 syntax (re2js), which has no back-references or
 * look-around and matches in time linear in the input whatever the pattern. Validation runs
 * patterns with RE2, so nested quantifiers are harmless there; constructs RE2 cannot run in
 * linear time are refused here instead of being accepted and then skipped.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > PATTERN_MAX) return `it is longer than ${PATTERN_MAX} characters`;
  // Corpora repeat patterns (every key of a family has the same name parameters): judge each once.
  let why = judged.get(pattern);
  if (why === undefined) {
    why = judgePattern(pattern);
    if (judged.size >= COMPILED_MAX) judged.clear();
    judged.set(pattern, why);
  }
  return why;
}

const judged = new Map<string, string | null>();

function judgePattern(pattern: string): string | null {
  try {
    new RegExp(pattern);
  } catch (e) {
    return `it is not a valid regular expression (${(e as Error).message})`;
  }
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    return `it cannot be matched in linear time: back-references, look-around and similar constructs are not allowed (${(e as Error).message})`;
  }
  return null;
}

const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: true, code: { regExp: ((p: string) => {
  const re = RE2JS.compile(p);
  return { test: (s: string) => re.test(s) };
}) as never } });

/**
 * Compiled checkers by schema JSON. Corpora repeat the same rule many times (Nova's trait family
 * is hundreds of keys with one enum), and ajv keeps every schema object it compiles: reusing the
 * function by content keeps loads fast and memory bounded.
 */
const compiled = new Map<string, ReturnType<Ajv['compile']>>();
function compile(schema: Record<string, unknown>): ReturnType<Ajv['compile']> {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    if (compiled.size >= COMPILED_MAX) {
      compiled.clear();
      ajv.removeSchema();
    }
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = JSON.stringify(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The JSON schema a definition stands for (annotations dropped), for checking values against it. */
export function valueSchema(def: PropertyDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(def)) if (!ANNOTATIONS.has(k) && !k.startsWith('x-')) out[k] = v;
  // upstream accepts repeated enum values (the standard corpus has some); JSON Schema does not
  if (Array.isArray(out.enum)) out.enum = dedupe(out.enum);
  const items = out.items as Record<string, unknown> | undefined;
  if (items && Array.isArray(items.enum)) out.items = { ...items, enum: dedupe(items.enum) };
  return out;
}

/** Throws Invalid (400) naming the first problem of the definition of property `name`. */
export function assertValidPropertyDefinition(name: string, def: PropertyDefinition, where = 'property'): void {
  const bad = (why: string) => invalid(`Invalid ${where} '${name}': ${why}.`);
  const type = def.type as string | undefined;
  if (typeof def.title !== 'string') throw bad("'title' is required");
  if (typeof type !== 'string') throw bad("'type' is required");

  const misplaced = (keys: string[], types: string[]) => {
    for (const k of keys) if (k in def && !types.includes(type)) throw bad(`'${k}' does not apply to type '${type}'`);
  };
  misplaced(NUMERIC, ['integer', 'number']);
  misplaced(STRINGY, ['string']);
  misplaced(ARRAYISH, ['array']);
  if ('required' in def && type !== 'object') throw bad(`'required' does not apply to type '${type}'`);

  const pair = (lo: string, hi: string) => {
    if (typeof def[lo] === 'number' && typeof def[hi] === 'number' && (def[lo] as number) > (def[hi] as number)) throw bad(`'${lo}' is greater than '${hi}'`);
  };
  pair('minimum', 'maximum');
  pair('minLength', 'maxLength');
  pair('minItems', 'maxItems');

  if (typeof def.pattern === 'string') {
    const why = patternProblem(def.pattern);
    if (why) throw bad(`'pattern' is refused: ${why}`);
  }
  const params = def['x-name-pattern'];
  if (params !== undefined) {
    if (!params || typeof params !== 'object' || Array.isArray(params)) throw bad("'x-name-pattern' must map parameter names to patterns");
    for (const [param, pattern] of Object.entries(params)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(param)) throw bad(`'x-name-pattern' has the parameter name '${param}'; use letters, digits and _`);
      if (!name.includes(`{${param}}`)) throw bad(`'x-name-pattern' describes {${param}}, which the name does not contain`);
      const why = typeof pattern === 'string' ? patternProblem(pattern) : 'it is not a string';
      if (why) throw bad(`the pattern of {${param}} in 'x-name-pattern' is refused: ${why}`);
    }
  }
  const items = def.items as { type?: string; enum?: unknown[] } | undefined;
  if (items?.enum !== undefined && items.type === undefined) throw bad("'items.enum' needs 'items.type'");
  if (Array.isArray(def.enum)) {
    if (def.enum.length === 0) throw bad("'enum' is empty");
  }

  try {
    compile(valueSchema(def));
  } catch (e) {
    throw bad(`it is not a valid schema (${(e as Error).message})`);
  }
  if (Array.isArray(def.enum)) {
    const schema = valueSchema(def);
    delete schema.enum;
    const check = compile(schema);
    for (const v of def.enum) if (!check(v)) throw bad(`the enum value ${JSON.stringify(v)} is not a valid '${type}' value (${ajv.errorsText(check.errors)})`);
  }
  // The default must have the property's type and bounds; it need not be among the enum
  // values (upstream accepts that, and the standard corpus has such a definition).
  if ('default' in def && def.default !== null) {
    const schema = valueSchema(def);
    delete schema.enum;
    const check = compile(schema);
    if (!check(def.default)) throw bad(`the default ${JSON.stringify(def.default)} does not satisfy the definition (${ajv.errorsText(check.errors, { dataVar: 'default' })})`);
  }
}

/** Checks every property of a map (namespace properties, or an object's properties). */
export function assertValidPropertyMap(map: Record<string, unknown> | undefined, where = 'property'): void {
  for (const [name, def] of Object.entries(map ?? {})) {
    if (name.length === 0 || name.length > 80) throw invalid(`Invalid ${where} name '${name}': it must have 1 to 80 characters.`);
    assertValidPropertyDefinition(name, def as PropertyDefinition, where);
  }
}
