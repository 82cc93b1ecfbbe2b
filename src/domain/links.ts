/**
 * Links and Location headers built from names a client chose. Each segment is
 * percent-encoded on its own, so a namespace named `a/b` (or `..`, or `50%`) is one path
 * segment that routes back to itself; the result is ASCII, so it is also a valid header value.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// RFC 3986 pchar that encodeURIComponent escapes anyway: kept, so `OS::Compute::Quota` reads as upstream's links do.
const PCHAR_KEPT = /%(24|26|2B|2C|3A|3B|3D|40)/g;

/** One path segment, percent-encoded; `.` and `..` are encoded too, so no client resolves them away. */
export function encodeSegment(segment: string | number): string {
  const s = String(segment);
  if (s === '.' || s === '..') return s.replace(/\./g, '%2E');
  // Stored names are valid Unicode (the pipeline refuses anything else); replacing a lone
  // surrogate anyway keeps this total, since encodeURIComponent throws on one.
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD')).replace(PCHAR_KEPT, (c) => decodeURIComponent(c));
}

/** `/seg/seg/...` with every segment encoded: `link('v2', 'metadefs', 'namespaces', name)`. */
export function link(...segments: (string | number)[]): string {
  return '/' + segments.map(encodeSegment).join('/');
}
