import { DomainError } from '../domain/errors.js';

/**
 * Stored strings are valid Unicode without NUL: MongoDB refuses NUL in keys, a lone UTF-16
 * surrogate cannot be encoded as UTF-8 (the driver would store U+FFFD, a different name),
 * and neither can be put in a link. The pipeline refuses them in every JSON body key and
 * string, path and query parameter, with a 400 naming the field, before any service runs.
 */

// Linear-time: one character class, and single-character lookarounds.
const BAD = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const isCleanString = (s: string): boolean => !BAD.test(s);

/** A field path as a client can read it: bad characters shown as `\uXXXX` escapes. */
function showPath(path: (string | number)[]): string {
  const shown = path.length > 12 ? [...path.slice(0, 12), '…'] : path;
  return shown
    .map(String)
    .join('.')
    .replace(new RegExp(BAD.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const WHAT = 'must be valid Unicode text without NUL characters';

interface Node {
  v: unknown;
  key?: string | number;
  parent?: Node;
  depth: number;
}

/**
 * The deepest nesting a JSON body may have. The document's deepest shape (a metadef
 * property definition inside a namespace) nests about ten levels; MongoDB refuses documents
 * deeper than 100, and every recursive consumer (schema checks, BSON, JSON.stringify) would
 * otherwise meet the call stack's limit on a 1 MiB body of brackets.
 */
export const MAX_JSON_DEPTH = 32;

function pathOf(n: Node | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (; n && n.key !== undefined; n = n.parent) out.push(n.key);
  return out.reverse();
}

/**
 * The first key or string in `value` that is not clean, or the first container nested
 * deeper than MAX_JSON_DEPTH, or undefined. Walked iteratively
 * with parent links (a 1 MiB body can nest far deeper than the call stack, and copying
 * paths would be quadratic in the depth).
 */
export function findUnclean(value: unknown): { path: (string | number)[]; isKey: boolean; tooDeep?: boolean } | undefined {
  const stack: Node[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const n = stack.pop()!;
    const v = n.v;
    if (n.depth > MAX_JSON_DEPTH && v !== null && typeof v === 'object') return { path: pathOf(n), isKey: false, tooDeep: true };
    if (typeof v === 'string') {
      if (!isCleanString(v)) return { path: pathOf(n), isKey: false };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, parent: n, depth: n.depth + 1 });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (const k of keys) if (!isCleanString(k)) return { path: [...pathOf(n), k], isKey: true };
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: (v as Record<string, unknown>)[keys[i]], key: keys[i], parent: n, depth: n.depth + 1 });
    }
  }
  return undefined;
}

/** Throws a 400 naming the first unclean field of a request part (`request body`, `query`, `path`). */
export function assertClean(value: unknown, place: string): void {
  const bad = findUnclean(value);
  if (!bad) return;
  if (bad.path.length === 0) throw new DomainError('Invalid', `Invalid ${place}: ${WHAT}.`);
  const field = showPath(bad.path);
  if (bad.tooDeep) throw new DomainError('Invalid', `Invalid value for '${field}' in ${place}: nested deeper than ${MAX_JSON_DEPTH} levels.`);
  throw new DomainError('Invalid', bad.isKey ? `Invalid name '${field}' in ${place}: names ${WHAT}.` : `Invalid value for '${field}' in ${place}: ${WHAT}.`);
}
