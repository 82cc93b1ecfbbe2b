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
}

function pathOf(n: Node | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (; n && n.key !== undefined; n = n.parent) out.push(n.key);
  return out.reverse();
}

/**
 * The first key or string in `value` that is not clean, or undefined. Walked iteratively
 * with parent links (a 1 MiB body can nest far deeper than the call stack, and copying
 * paths would be quadratic in the depth).
 */
export function findUnclean(value: unknown): { path: (string | number)[]; isKey: boolean } | undefined {
  const stack: Node[] = [{ v: value }];
  while (stack.length) {
    const n = stack.pop()!;
    const v = n.v;
    if (typeof v === 'string') {
      if (!isCleanString(v)) return { path: pathOf(n), isKey: false };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, parent: n });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (const k of keys) if (!isCleanString(k)) return { path: [...pathOf(n), k], isKey: true };
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: (v as Record<string, unknown>)[keys[i]], key: keys[i], parent: n });
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
  throw new DomainError('Invalid', bad.isKey ? `Invalid name '${field}' in ${place}: names ${WHAT}.` : `Invalid value for '${field}' in ${place}: ${WHAT}.`);
}
