/**
 * The body of an error answer, negotiated on `Accept` as upstream Glance's web framework
 * (WebOb 1.8) does: HTML for a wildcard Accept (what curl, python-requests and so the glance CLI send)
 * and for an unparseable header, JSON when `application/json` is preferred, plain text when
 * neither is acceptable or the header is absent or empty. The message is the service's own
 * sentence, without markup residue.
 */
import { TITLES } from './errors.js';

export type ErrorFormat = 'text/html' | 'application/json' | 'text/plain';

const OFFERS: ErrorFormat[] = ['text/html', 'application/json'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Upper bound on media ranges examined: a longer header is treated as absent. */
const MAX_RANGES = 64;

interface Range {
  type: string;
  subtype: string;
  q: number;
  /** Media-type parameters before `q` (e.g. `charset`): the range then matches no offer, which have none. */
  hasParams: boolean;
}

/** Parses an Accept header; undefined when it is not valid (then every offer is acceptable). */
function parseAccept(header: string): Range[] | undefined {
  const parts = header.split(',');
  if (parts.length > MAX_RANGES) return undefined;
  const ranges: Range[] = [];
  // WebOb refuses a header that starts with an empty element (", text/html"); later ones are skipped.
  if (parts.length > 1 && parts[0].trim() === '') return undefined;
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    const [media, ...params] = part.split(';');
    const slash = media.indexOf('/');
    if (slash < 0) return undefined;
    const type = media.slice(0, slash).trim().toLowerCase();
    const subtype = media.slice(slash + 1).trim().toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) return undefined;
    let q = 1;
    let seenQ = false;
    let hasParams = false;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) return undefined;
      if (p.slice(0, eq).trim().toLowerCase() !== 'q') {
        if (!seenQ) hasParams = true; // after q they are accept-extensions, ignored
        continue;
      }
      const v = p.slice(eq + 1).trim();
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return undefined;
      q = Number(v);
      seenQ = true;
    }
    ranges.push({ type, subtype, q, hasParams });
  }
  return ranges;
}

/** The q of the most specific range matching `offer`, or 0 when none does. */
function quality(ranges: Range[], offer: string): number {
  const [type, subtype] = offer.split('/');
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    if (r.hasParams) continue;
    const specificity = r.type === type && r.subtype === subtype ? 3 : r.type === type && r.subtype === '*' ? 2 : r.type === '*' ? 1 : 0;
    if (specificity > best && specificity > 0) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

export function errorFormat(accept: string | undefined): ErrorFormat {
  if (accept === undefined || accept.trim() === '') return 'text/plain';
  const ranges = parseAccept(accept);
  if (!ranges) return 'text/html';
  let chosen: ErrorFormat = 'text/plain';
  let bestQ = 0;
  for (const offer of OFFERS) {
    const q = quality(ranges, offer);
    if (q > bestQ) {
      bestQ = q;
      chosen = offer;
    }
  }
  return chosen;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The status line text upstream uses as `code`, e.g. "404 Not Found". */
export const statusLine = (status: number) => `${status} ${TITLES[status] ?? 'Error'}`;

export function renderError(status: number, message: string, requestId: string | undefined, accept: string | undefined): { contentType: string; text: string } {
  const format = errorFormat(accept);
  const line = statusLine(status);
  if (format === 'application/json') {
    const body = { message, code: line, title: TITLES[status] ?? 'Error', ...(requestId ? { request_id: requestId } : {}) };
    return { contentType: 'application/json', text: JSON.stringify(body) };
  }
  if (format === 'text/plain') return { contentType: 'text/plain; charset=UTF-8', text: `${line}\n\n${message}\n` };
  const html = `<html>\n <head>\n  <title>${line}</title>\n </head>\n <body>\n  <h1>${line}</h1>\n  ${escapeHtml(message)}\n </body>\n</html>`;
  return { contentType: 'text/html; charset=UTF-8', text: html };
}
