/**
 * VMDK descriptor text, checked in one pass by hand (the text is the uploader's: no regular
 * expression ever runs over it, and every scan moves forward, so time is linear in its length).
 *
 * qemu reads `createType` and `parentFileNameHint` as the first occurrence of the name anywhere in
 * the text (comments included), so those are looked up the same way, and a descriptor that could be
 * read two ways is refused. Lines are otherwise read as upstream Glance does: comments, blank lines,
 * `ddb.*` entries, `key = value` fields and extent lines; anything else is refused.
 */

const ACCESS = new Set(['RW', 'RDONLY', 'NOACCESS']);
const ALLOWED_TYPES = new Set(['monolithicsparse', 'streamoptimized']);

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
const isDigits = (s: string) => s.length > 0 && s.length <= 20 && [...s].every((c) => c >= '0' && c <= '9');

/** Splits an extent line into words and "quoted strings" (quotes kept); null on an unterminated quote. */
function words(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
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
  const w = words(line);
  if (!w || (w.length !== 4 && w.length !== 5) || !isDigits(w[1]) || (w.length === 5 && !isDigits(w[4]))) return 'vmdk extent line is malformed';
  const name = w[3].length >= 2 && w[3][0] === '"' ? w[3].slice(1, -1) : '';
  // No directories, no parent references, no protocol prefixes (qemu reads "nbd:..." as a network address).
  if (w[2].toUpperCase() !== 'SPARSE' || !name || /* linear: */ ['/', '\\', '..', ':'].some((s) => name.includes(s))) {
    return 'vmdk extent points outside the image file';
  }
  return null;
}

/** Why an embedded VMDK descriptor is unsafe, or null when it names one sparse extent, in the file, and no parent. */
export function vmdkDescriptorProblem(text: string): string | null {
  if (text.includes('parentFileNameHint')) return 'vmdk image has a parent';
  const ct = text.indexOf('createType');
  if (ct < 0 || !text.startsWith('="', ct + 10) || text.indexOf('createType', ct + 1) >= 0) {
    return 'vmdk createType must be given exactly once (only monolithicSparse, streamOptimized are allowed)';
  }
  let createType: string | null = null;
  let extent: string | null = null;
  let extents = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line || line[0] === '#' || line.startsWith('ddb.')) continue;
    let sp = 0;
    while (sp < line.length && !isSpace(line.charCodeAt(sp))) sp++;
    const first = line.slice(0, sp);
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq).trimEnd().length <= sp) {
      const key = line.slice(0, eq).trim().toLowerCase();
      let value = line.slice(eq + 1).trim();
      if (value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') value = value.slice(1, -1);
      if (key === 'createtype') createType = value;
      if (key === 'parentcid' && value.toLowerCase() !== 'ffffffff') return 'vmdk image has a parent';
    } else if (ACCESS.has(first.toUpperCase())) {
      extents++;
      extent = line;
    } else {
      return 'vmdk descriptor has a line it does not recognise';
    }
  }
  if (createType === null || !ALLOWED_TYPES.has(createType.toLowerCase())) {
    return `vmdk createType ${JSON.stringify(createType?.slice(0, 64) ?? null)} is not allowed (only monolithicSparse, streamOptimized)`;
  }
  if (extents !== 1 || extent === null) return `vmdk has ${extents} extents (exactly one, in this file, is allowed)`;
  return extentProblem(extent);
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
