/**
 * VMDK descriptor text, checked in one pass by hand (the text is the uploader's: no regular
 * expression ever runs over it, and every scan stays within its line, so time is linear in its length).
 *
 * qemu reads `createType` and `parentFileNameHint` as the first occurrence of the name anywhere in
 * the text (comments included), so those are looked up the same way, and a descriptor that could be
 * read two ways is refused. Lines are otherwise read as upstream Glance does: comments, blank lines,
 * `ddb.*` entries, `key = value` fields and extent lines; anything else is refused.
 */

const ACCESS = ['rw', 'rdonly', 'noaccess'];
const ALLOWED_TYPES = ['monolithicsparse', 'streamoptimized'];

/** Whether d[s, e) is `lower` in any case (ASCII), without allocating. */
function is(d: Buffer, s: number, e: number, lower: string): boolean {
  if (e - s !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = d[s + i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
const isDigits = (s: string) => s.length > 0 && s.length <= 20 && [...s].every((c) => c >= '0' && c <= '9');

/** Splits an extent line into words and "quoted strings" (quotes kept); null on an unterminated quote or more than `max` words. */
function words(line: string, max: number): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (out.length > max) return null;
    if (isSpace(line.charCodeAt(i))) {
      i++;
      continue;
    }
    let j: number;
    if (line[i] === '"') {
      j = line.indexOf('"', i + 1);
      if (j < 0) return null;
      j++;
    } else {
      j = i;
      while (j < line.length && !isSpace(line.charCodeAt(j)) && line[j] !== '"') j++;
    }
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

/** Why an extent line is not a single sparse extent in the image file itself, or null. */
function extentProblem(line: string): string | null {
  const w = words(line, 5);
  if (!w || (w.length !== 4 && w.length !== 5) || !isDigits(w[1]) || (w.length === 5 && !isDigits(w[4]))) return 'vmdk extent line is malformed';
  const name = w[3].length >= 2 && w[3][0] === '"' ? w[3].slice(1, -1) : '';
  // No directories, no parent references, no protocol prefixes (qemu reads "nbd:..." as a network address).
  if (w[2].toUpperCase() !== 'SPARSE' || !name || /* linear: */ ['/', '\\', '..', ':'].some((s) => name.includes(s))) {
    return 'vmdk extent points outside the image file';
  }
  return null;
}

/**
 * Why an embedded VMDK descriptor is unsafe, or null when it names one sparse extent, in the file,
 * and no parent. Works on the bytes by index: per line it allocates at most a short key and value,
 * and every search is bounded by the line, so time is linear with little garbage.
 */
export function vmdkDescriptorProblem(d: Buffer): string | null {
  if (d.includes('parentFileNameHint', 0, 'latin1')) return 'vmdk image has a parent';
  const ct = d.indexOf('createType', 0, 'latin1');
  if (ct < 0 || d[ct + 10] !== 0x3d || d[ct + 11] !== 0x22 || d.indexOf('createType', ct + 1, 'latin1') >= 0) {
    return 'vmdk createType must be given exactly once (only monolithicSparse, streamOptimized are allowed)';
  }
  let createType: [number, number] | null = null;
  let extent: [number, number] | null = null;
  let extents = 0;
  for (let next = 0; next < d.length; ) {
    let s = next;
    let e = s;
    while (e < d.length && d[e] !== 0x0a) e++;
    next = e + 1;
    while (s < e && isSpace(d[s])) s++;
    while (e > s && isSpace(d[e - 1])) e--;
    if (s === e || d[s] === 0x23 /* # */ || is(d, s, Math.min(e, s + 4), 'ddb.')) continue;
    let sp = s;
    while (sp < e && !isSpace(d[sp])) sp++;
    let eq = s;
    while (eq < e && d[eq] !== 0x3d) eq++;
    let keyEnd = eq;
    while (keyEnd > s && isSpace(d[keyEnd - 1])) keyEnd--;
    if (eq > s && eq < e && keyEnd <= sp) {
      // A `key = value` field: only createType and parentCID matter.
      const isType = is(d, s, keyEnd, 'createtype');
      if (!isType && !is(d, s, keyEnd, 'parentcid')) continue;
      let vs = eq + 1;
      let ve = e;
      while (vs < ve && isSpace(d[vs])) vs++;
      if (ve - vs >= 2 && d[vs] === 0x22 && d[ve - 1] === 0x22) vs++, ve--;
      if (isType) createType = [vs, ve];
      else if (!is(d, vs, ve, 'ffffffff')) return 'vmdk image has a parent';
    } else if (ACCESS.some((a) => is(d, s, sp, a))) {
      extents++;
      extent = [s, e];
    } else {
      return 'vmdk descriptor has a line it does not recognise';
    }
  }
  if (createType === null || !ALLOWED_TYPES.some((t) => is(d, createType[0], createType[1], t))) {
    const shown = createType && d.toString('latin1', createType[0], Math.min(createType[1], createType[0] + 64));
    return `vmdk createType ${JSON.stringify(shown)} is not allowed (only monolithicSparse, streamOptimized)`;
  }
  if (extents !== 1 || extent === null) return `vmdk has ${extents} extents (exactly one, in this file, is allowed)`;
  return extentProblem(d.toString('latin1', extent[0], extent[1]));
}

const VERSION_LINES = ['version=1\n', 'version=2\n', 'version=3\n', 'version=1\r\n', 'version=2\r\n', 'version=3\r\n'];

/**
 * Whether qemu would probe these first bytes as a descriptor-only VMDK: comment and blank lines,
 * then `version=N`. Also the usual `# Disk DescriptorFile` opening.
 */
export function vmdkTextProbe(b: Buffer): boolean {
  if (b.toString('latin1', 0, 21) === '# Disk DescriptorFile') return true;
  let p = 0;
  while (p < b.length) {
    const c = b[p];
    if (c === 0x23) {
      while (p < b.length && b[p] !== 0x0a) p++;
      p++;
    } else if (c === 0x20 || c === 0x0d || c === 0x0a) {
      while (p < b.length && b[p] === 0x20) p++;
      if (p < b.length && b[p] === 0x0d) p++;
      if (p >= b.length || b[p] !== 0x0a) return false;
      p++;
    } else {
      const s = b.toString('latin1', p, p + 11);
      return VERSION_LINES.some((v) => s.startsWith(v));
    }
  }
  return false;
}
