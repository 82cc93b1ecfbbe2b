import type { Document, Filter } from 'mongodb';
import { invalid } from '../domain/errors.js';
import { canonicalId } from '../domain/ids.js';
import { propertyField, type SortKey } from '../repositories/images.js';

/**
 * Parsing of GET /v2/images query strings (glance-v2-api.md §1.6–§1.8, authz §4.2) into
 * MongoDB predicates, sort keys and paging. Pure functions: no database, no context.
 */

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
const VISIBILITIES = ['public', 'private', 'shared', 'community', 'all'] as const;
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected', 'all'] as const;
const OP_FILTERS = ['name', 'id', 'status', 'container_format', 'disk_format'];
const DATE_FILTERS = ['created_at', 'updated_at'];
const INT_COLUMNS = ['size', 'virtual_size', 'min_ram', 'min_disk'];
const STRING_COLUMNS = ['owner', 'checksum', 'os_hash_algo', 'os_hash_value'];
const NOT_FILTERABLE = ['self', 'file', 'schema', 'changes-since', 'deleted', 'deleted_at', 'locations', 'direct_url'];
const CONTROL = ['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'visibility', 'member_status', 'os_hidden', 'protected', 'tag'];

export interface ListQuery {
  limit: number;
  marker: string | null;
  sort: SortKey[];
  visibility: (typeof VISIBILITIES)[number] | null;
  memberStatus: (typeof MEMBER_STATUSES)[number];
  /** Predicates from the filters, to be AND-ed. */
  predicates: Filter<Document>[];
}

/** Splits an `in:` list: items separated by commas, items with commas double-quoted. */
export function splitInList(raw: string, param: string): string[] {
  const out: string[] = [];
  let i = 0;
  const bad = () => invalid(`Invalid value for '${param}': unbalanced or misplaced quotes in an in: list.`);
  while (i <= raw.length) {
    if (raw[i] === '"') {
      const end = raw.indexOf('"', i + 1);
      if (end < 0) throw bad();
      out.push(raw.slice(i + 1, end));
      i = end + 1;
      if (i < raw.length && raw[i] !== ',') throw bad();
      i++;
    } else {
      let end = raw.indexOf(',', i);
      if (end < 0) end = raw.length;
      const item = raw.slice(i, end);
      if (item.includes('"')) throw bad();
      out.push(item);
      i = end + 1;
    }
  }
  return out;
}

function opFilter(param: string, raw: string): Filter<Document> {
  const f = param === 'id' ? '_id' : param;
  const m = /^([a-z]+):(.*)$/s.exec(raw);
  if (!m) return { [f]: raw };
  if (m[1] === 'eq') return { [f]: m[2] };
  if (m[1] === 'in') return { [f]: { $in: splitInList(m[2], param) } };
  throw invalid(`Invalid operator '${m[1]}' for '${param}': only eq and in are allowed (write eq:<value> for a value containing ':').`);
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

export function parseTime(raw: string, param: string): Date {
  if (!ISO.test(raw)) throw invalid(`Invalid value for '${param}': '${raw}' is not an ISO 8601 time.`);
  let v = raw.replace(' ', 'T');
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(v)) v += v.includes('T') ? 'Z' : 'T00:00:00Z';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid(`Invalid value for '${param}': '${raw}' is not an ISO 8601 time.`);
  return d;
}

function dateFilter(param: string, raw: string): Filter<Document> {
  const m = /^(gt|gte|lt|lte|eq|neq):(.*)$/s.exec(raw);
  const op = m ? m[1] : 'eq';
  const t = parseTime(m ? m[2] : raw, param);
  // Stored times have second precision, as rendered.
  const mongoOp = { gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte', eq: '$eq', neq: '$ne' }[op]!;
  return { [param]: { [mongoOp]: t } };
}

const canonicalOrNull = (v: string | null): string | null => (v === null ? null : canonicalId(v));

function intValue(param: string, raw: string): number {
  if (!/^-?\d+$/.test(raw)) throw invalid(`Invalid value for '${param}': must be an integer.`);
  return Number(raw);
}

function boolValue(param: string, raw: string, caseInsensitive: boolean): boolean {
  const v = caseInsensitive ? raw.toLowerCase() : raw;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(`Invalid value for '${param}': must be true or false.`);
}

function parseSort(q: URLSearchParams): SortKey[] {
  const keys = q.getAll('sort_key');
  const dirs = q.getAll('sort_dir');
  const sortParam = q.get('sort');
  const checkKey = (k: string) => {
    if (!(SORT_KEYS as readonly string[]).includes(k)) throw invalid(`Invalid sort key '${k}': must be one of ${SORT_KEYS.join(', ')}.`);
  };
  const checkDir = (d: string): 'asc' | 'desc' => {
    if (d !== 'asc' && d !== 'desc') throw invalid(`Invalid sort direction '${d}': must be asc or desc.`);
    return d;
  };
  let sort: SortKey[] = [];
  if (sortParam !== null) {
    if (keys.length || dirs.length) throw invalid("The 'sort' parameter cannot be combined with 'sort_key' or 'sort_dir'.");
    for (const part of sortParam.split(',')) {
      const [k, d, ...rest] = part.trim().split(':');
      if (rest.length || !k) throw invalid(`Invalid sort parameter '${part}': use key[:dir].`);
      checkKey(k.trim());
      sort.push({ key: k.trim(), dir: checkDir((d ?? 'desc').trim()) });
    }
  } else {
    for (const k of keys) checkKey(k);
    const ds = dirs.map(checkDir);
    if (ds.length > 1 && ds.length !== keys.length) throw invalid('The number of sort_dir values must match the number of sort_key values.');
    if (keys.length === 0 && ds.length > 1) throw invalid('The number of sort_dir values must match the number of sort_key values.');
    const list = keys.length ? keys : ['created_at'];
    sort = list.map((key, i) => ({ key, dir: ds.length > 1 ? ds[i] : (ds[0] ?? 'desc') }));
  }
  // Tie-breakers: created_at then id, in the first key's direction.
  const dir = sort[0].dir;
  const seen = new Set<string>();
  sort = sort.filter((s) => !seen.has(s.key) && seen.add(s.key));
  if (!seen.has('created_at')) sort.push({ key: 'created_at', dir });
  if (!seen.has('id')) sort.push({ key: 'id', dir });
  // id is unique: nothing after it changes the order.
  return sort.slice(0, sort.findIndex((s) => s.key === 'id') + 1);
}

export function parseListQuery(q: URLSearchParams, cfg: { defaultLimit: number; maxLimit: number }): ListQuery {
  let limit = cfg.defaultLimit;
  const rawLimit = q.get('limit');
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit)) throw invalid("Invalid value for 'limit': must be a non-negative integer.");
    limit = Math.min(Number(rawLimit), cfg.maxLimit);
  }
  const visibility = q.get('visibility');
  if (visibility !== null && !(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw invalid(`Invalid value for 'visibility': must be one of ${VISIBILITIES.join(', ')}.`);
  }
  const memberStatus = q.get('member_status') ?? 'accepted';
  if (!(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) {
    throw invalid(`Invalid value for 'member_status': must be one of ${MEMBER_STATUSES.join(', ')}.`);
  }
  const predicates: Filter<Document>[] = [];
  const osHidden = q.get('os_hidden');
  predicates.push({ os_hidden: osHidden === null ? false : boolValue('os_hidden', osHidden, true) });
  const prot = q.get('protected');
  if (prot !== null) predicates.push({ protected: boolValue('protected', prot, false) });
  const tags = q.getAll('tag');
  if (tags.length) predicates.push({ tags: { $all: tags } });

  const seen = new Set<string>();
  for (const key of q.keys()) {
    if (seen.has(key)) continue;
    seen.add(key);
    const raw = q.getAll(key).at(-1)!;
    if (CONTROL.includes(key)) continue;
    if (NOT_FILTERABLE.includes(key)) throw invalid(`'${key}' is not a valid filter.`);
    if (OP_FILTERS.includes(key)) predicates.push(opFilter(key, raw));
    else if (DATE_FILTERS.includes(key)) predicates.push(dateFilter(key, raw));
    else if (INT_COLUMNS.includes(key)) predicates.push({ [key]: intValue(key, raw) });
    else if (key.endsWith('_min') && INT_COLUMNS.includes(key.slice(0, -4))) predicates.push({ [key.slice(0, -4)]: { $gte: intValue(key, raw) } });
    else if (key.endsWith('_max') && INT_COLUMNS.includes(key.slice(0, -4))) predicates.push({ [key.slice(0, -4)]: { $lte: intValue(key, raw) } });
    else if (STRING_COLUMNS.includes(key)) predicates.push({ [key]: raw });
    else predicates.push({ [propertyField(key)]: raw });
  }
  return {
    limit,
    marker: canonicalOrNull(q.get('marker')),
    sort: parseSort(q),
    visibility: visibility as ListQuery['visibility'],
    memberStatus: memberStatus as ListQuery['memberStatus'],
    predicates,
  };
}

/**
 * The list semantics of authz §4.2 for one caller, as predicates to AND with the policy
 * read filter: the candidate set (member_status on the shared branch) and the visibility step.
 */
export function visibilityPredicates(ctx: { projectId: string | null; isAdmin: boolean }, q: Pick<ListQuery, 'visibility' | 'memberStatus'>): Filter<Document>[] {
  const P = ctx.projectId;
  const out: Filter<Document>[] = [];
  if (!ctx.isAdmin) {
    const shared: Filter<Document> =
      q.memberStatus === 'all' ? { visibility: 'shared', member_projects: P } : { visibility: 'shared', member_keys: `${P}:${q.memberStatus}` };
    out.push({ $or: [{ visibility: { $in: ['public', 'community'] } }, ...(P ? [{ owner: P }, shared] : [])] });
  }
  if (q.visibility === null) out.push({ $or: [{ visibility: { $ne: 'community' } }, ...(P ? [{ owner: P }] : [])] });
  else if (q.visibility !== 'all') out.push({ visibility: q.visibility });
  return out;
}

/** `first`/`next` links: the request's parameters (last value of each) minus/plus the marker. */
export function pageLinks(path: string, q: URLSearchParams, nextMarker: string | null): { first: string; next?: string } {
  const params = new URLSearchParams();
  for (const key of q.keys()) if (!params.has(key)) params.set(key, q.getAll(key).at(-1)!);
  const first = new URLSearchParams(params);
  first.delete('marker');
  const fq = first.toString();
  const out: { first: string; next?: string } = { first: fq ? `${path}?${fq}` : path };
  if (nextMarker !== null) {
    params.set('marker', nextMarker);
    out.next = `${path}?${params.toString()}`;
  }
  return out;
}
