/**
 * How two answers to the same request are compared: status, the headers clients use, and the
 * body's shape after normalising what legitimately differs between two deployments (ids they
 * generate, timestamps, request ids, their own address, free-text messages).
 */
import { createHash } from 'node:crypto';

export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** Headers that clients read (glanceclient, openstacksdk, Nova, Cinder, Horizon). */
export const COMPARED_HEADERS = [
  'content-type',
  'location',
  'allow',
  'accept-patch',
  'openstack-image-import-methods',
  'openstack-image-store-ids',
  'content-range',
  'content-md5',
  'accept-ranges',
  'www-authenticate',
  'x-openstack-request-id',
];

export type Aspect = 'status' | 'headers' | 'body';

export interface Difference {
  aspect: Aspect;
  detail: string;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?/g;

/** Replaces one side's own values (ids it generated, its address) by their names. */
export function normaliseText(text: string, names: Map<string, string>, base: string): string {
  let out = text.split(base).join('<base>');
  for (const [value, name] of names) out = out.split(value).join(`<${name}>`);
  return out.replace(/req-[0-9a-f-]{36}/g, '<request-id>').replace(UUID, '<uuid>').replace(TIMESTAMP, '<time>');
}

function headerValue(name: string, a: Answer, names: Map<string, string>, base: string): string | null {
  const v = a.headers.get(name);
  if (v === null) return null;
  if (name === 'content-type') return v.split(';')[0].trim().toLowerCase();
  if (name === 'x-openstack-request-id' || name === 'www-authenticate') return '<present>';
  if (name === 'allow' || name === 'openstack-image-import-methods' || name === 'openstack-image-store-ids' || name === 'accept-patch') {
    return v.split(',').map((x) => x.trim()).sort().join(',');
  }
  return normaliseText(v, names, base);
}

function isJson(a: Answer): boolean {
  return (a.headers.get('content-type') ?? '').includes('json') && a.bytes.length > 0;
}

/** A JSON document with every string normalised; error bodies keep only what clients parse. */
function normaliseJson(v: unknown, names: Map<string, string>, base: string, isError: boolean): unknown {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return normaliseText(x, names, base);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const v = (x as Record<string, unknown>)[k];
        // An image's tags are a set: upstream's order follows Python's per-process string hashing.
        out[k] = k === 'tags' && Array.isArray(v) && v.every((t) => typeof t === 'string') ? walk([...v].sort()) : walk(v);
      }
      return out;
    }
    return x;
  };
  if (isError && v && typeof v === 'object' && !Array.isArray(v)) {
    // Messages are the service's own sentences; the object's keys and its code and title are compared.
    const o = v as Record<string, unknown>;
    const { message: _m, request_id: _r, ...rest } = o;
    return walk({ ...rest, ...(typeof _m === 'string' ? { message: '<text>' } : {}) });
  }
  return walk(v);
}

function diffJson(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 12) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path || '/'}: ${a.length} items upstream, ${b.length} here`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffJson(a[i], b[i], `${path}/${i}`, out);
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    for (const k of ka) if (!(k in b)) out.push(`${path}/${k}: only upstream (${JSON.stringify((a as Record<string, unknown>)[k]).slice(0, 120)})`);
    for (const k of kb) if (!(k in a)) out.push(`${path}/${k}: only here (${JSON.stringify((b as Record<string, unknown>)[k]).slice(0, 120)})`);
    for (const k of ka) if (k in b) diffJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path || '/'}: upstream ${JSON.stringify(a)?.slice(0, 160)}, here ${JSON.stringify(b)?.slice(0, 160)}`);
}

export interface Side {
  answer: Answer;
  names: Map<string, string>;
  base: string;
}

export function compare(up: Side, here: Side, opts: { headers?: string[]; ignoreBody?: boolean } = {}): Difference[] {
  const out: Difference[] = [];
  if (up.answer.status !== here.answer.status) out.push({ aspect: 'status', detail: `upstream ${up.answer.status}, here ${here.answer.status}` });
  const st = `(${up.answer.status}/${here.answer.status}) `;
  // A body's type matters only when there is a body (upstream labels empty answers text/html).
  const bodyless = up.answer.bytes.length === 0 && here.answer.bytes.length === 0;
  for (const h of opts.headers ?? COMPARED_HEADERS) {
    if (h === 'content-type' && bodyless) continue;
    const a = headerValue(h, up.answer, up.names, up.base);
    const b = headerValue(h, here.answer, here.names, here.base);
    if (a !== b) out.push({ aspect: 'headers', detail: `${st}${h}: upstream ${a ?? '(none)'}, here ${b ?? '(none)'}` });
  }
  if (opts.ignoreBody) return out;
  const isError = up.answer.status >= 400;
  if (isJson(up.answer) && isJson(here.answer)) {
    let a: unknown;
    let b: unknown;
    try {
      a = normaliseJson(JSON.parse(up.answer.bytes.toString('utf8')), up.names, up.base, isError);
      b = normaliseJson(JSON.parse(here.answer.bytes.toString('utf8')), here.names, here.base, isError);
    } catch (e) {
      out.push({ aspect: 'body', detail: `unparseable JSON: ${(e as Error).message}` });
      return out;
    }
    const d: string[] = [];
    diffJson(a, b, '', d);
    for (const x of d) out.push({ aspect: 'body', detail: st + x });
  } else if (isJson(up.answer) !== isJson(here.answer)) {
    out.push({ aspect: 'body', detail: `JSON body upstream: ${isJson(up.answer)}, here: ${isJson(here.answer)}` });
  } else if (!isError) {
    // Image data and other bytes: identical content.
    const ha = createHash('sha256').update(up.answer.bytes).digest('hex').slice(0, 12);
    const hb = createHash('sha256').update(here.answer.bytes).digest('hex').slice(0, 12);
    if (ha !== hb) out.push({ aspect: 'body', detail: `bytes differ (${up.answer.bytes.length} upstream, ${here.answer.bytes.length} here)` });
  }
  return out;
}
