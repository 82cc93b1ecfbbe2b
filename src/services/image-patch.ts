import { DomainError, invalid } from '../domain/errors.js';

/**
 * Parsing of image PATCH documents (glance-v2-api.md §3.4): both media types, RFC 6901
 * pointers, depth rules. The request body is not validated by the OpenAPI layer for these
 * media types, so everything is checked here.
 */
export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

export type PatchOp = 'add' | 'replace' | 'remove';

export interface PatchChange {
  op: PatchOp;
  /** Decoded pointer segments: `[name]`, or `['locations', index|'-']`. */
  path: string[];
  value?: unknown;
  /** 4 = draft-04 (v2.0 media type), 10 = RFC 6902 (v2.1). */
  schemaVersion: 4 | 10;
}

/** Segments that would reach into an object's prototype if ever used as keys. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

export function patchMediaType(contentType: string | undefined): 4 | 10 {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === PATCH_V21) return 10;
  if (t === PATCH_V20) return 4;
  throw new DomainError('UnsupportedMediaType', `Unsupported Content-Type '${t || '(none)'}': use ${PATCH_V21} (or ${PATCH_V20}).`, {
    'Accept-Patch': `${PATCH_V20}, ${PATCH_V21}`,
  });
}

export function parsePointer(path: unknown): string[] {
  if (typeof path !== 'string') throw invalid("Invalid JSON patch: 'path' must be a string.");
  if (!path.startsWith('/')) throw invalid(`Invalid JSON pointer '${path}': it must start with '/'.`);
  if (path.endsWith('/')) throw invalid(`Invalid JSON pointer '${path}': it must not end with '/'.`);
  const segments = path.slice(1).split('/');
  for (const s of segments) {
    if (s === '') throw invalid(`Invalid JSON pointer '${path}': empty segments are not allowed.`);
    if (/~(?![01])/.test(s)) throw invalid(`Invalid JSON pointer '${path}': '~' must be escaped as '~0'.`);
  }
  const decoded = segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const s of decoded) if (FORBIDDEN_SEGMENTS.has(s)) throw invalid(`Invalid JSON pointer '${path}': '${s}' is not an attribute name.`);
  return decoded;
}

function checkDepth(op: PatchOp, path: string[], raw: string): void {
  if (path[0] === 'locations') {
    const ok = op === 'replace' ? path.length === 1 : path.length === 2 && (path[1] === '-' || /^\d+$/.test(path[1]));
    if (!ok) throw invalid(`Invalid JSON pointer '${raw}' for ${op}: use ${op === 'replace' ? '/locations' : '/locations/<index> or /locations/-'}.`);
    return;
  }
  if (path.length !== 1) throw invalid(`Invalid JSON pointer '${raw}': nested paths are not allowed.`);
}

export function parsePatch(body: unknown, schemaVersion: 4 | 10): PatchChange[] {
  if (!Array.isArray(body)) throw invalid('Invalid JSON patch: the request body must be a JSON array of changes.');
  return body.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`Invalid JSON patch: change ${i} must be a JSON object.`);
    const c = raw as Record<string, unknown>;
    let op: PatchOp;
    let rawPath: unknown;
    if (schemaVersion === 10) {
      if (!('op' in c)) throw invalid(`Invalid JSON patch: change ${i} has no 'op'.`);
      if (c.op !== 'add' && c.op !== 'replace' && c.op !== 'remove') throw invalid(`Invalid JSON patch: change ${i} has an unknown op ${JSON.stringify(c.op)} (add, replace or remove).`);
      op = c.op;
      if (!('path' in c)) throw invalid(`Invalid JSON patch: change ${i} has no 'path'.`);
      rawPath = c.path;
    } else {
      const ops = (['add', 'replace', 'remove'] as const).filter((k) => k in c);
      if (ops.length !== 1) throw invalid(`Invalid JSON patch: change ${i} must have exactly one of 'add', 'replace' or 'remove'.`);
      op = ops[0];
      rawPath = c[op];
    }
    if (op !== 'remove' && !('value' in c)) throw invalid(`Invalid JSON patch: change ${i} (${op}) has no 'value'.`);
    const path = parsePointer(rawPath);
    checkDepth(op, path, rawPath as string);
    return { op, path, schemaVersion, ...(op !== 'remove' ? { value: c.value } : {}) };
  });
}
