/**
 * The INI dialect of Glance's property protection file (Python's configparser as Glance reads
 * it): `[section]` headers, `key = value` or `key: value` entries, `#` and `;` comment lines,
 * indented continuation lines, keys lower-cased, `%%` for a literal `%`, and a `[DEFAULT]`
 * section whose entries every other section inherits. Stricter than configparser where it
 * would silently guess: text after a header, an entry before any section, a duplicate section
 * or key, and `%(name)s` interpolation are errors naming the line.
 *
 * One pass over the text, bounded in size: linear in the input whatever it holds.
 */
import { ConfigError } from '../../config/config.js';

export const INI_MAX_BYTES = 1024 * 1024;
export const INI_MAX_SECTIONS = 10_000;

export interface IniEntry {
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  entries: Map<string, IniEntry>;
}

export interface IniFile {
  /** Sections in file order, DEFAULT left out (its entries are merged into each section's). */
  sections: IniSection[];
  defaults: Map<string, IniEntry>;
}

/** `%%` is a literal `%`; any other `%` would be configparser interpolation, which a protection file has no use for. */
function unescape(value: string, fail: (why: string) => never): string {
  // runs between escapes are copied whole: one character at a time builds a rope as long as the value
  let out = '';
  let from = 0;
  for (let i = value.indexOf('%'); i >= 0; i = value.indexOf('%', from)) {
    if (value[i + 1] !== '%') fail("a '%' must be written '%%' (interpolation is not supported)");
    out += value.slice(from, i + 1);
    from = i + 2;
  }
  return from === 0 ? value : out + value.slice(from);
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t';

export function parseIni(text: string, file: string): IniFile {
  if (Buffer.byteLength(text, 'utf8') > INI_MAX_BYTES) throw new ConfigError(`Invalid configuration: ${file}: larger than ${INI_MAX_BYTES} bytes`);
  const sections: IniSection[] = [];
  const names = new Set<string>();
  const defaults = new Map<string, IniEntry>();
  let current: Map<string, IniEntry> | null = null;
  let last: { key: string; entry: IniEntry; raw: string } | null = null;
  let lineNo = 0;
  const failAt = (at: number, why: string): never => {
    throw new ConfigError(`Invalid configuration: ${file}:${at}: ${why}`);
  };
  const fail = (why: string): never => failAt(lineNo, why);
  const finish = () => {
    if (last) {
      const at = last.entry.line;
      last.entry.value = unescape(last.raw, (why) => failAt(at, why));
    }
    last = null;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (lineNo === 1 && line.startsWith('\ufeff')) line = line.slice(1);
    const trimmed = line.trim();
    if (trimmed === '') {
      finish();
      continue;
    }
    if (trimmed[0] === '#' || trimmed[0] === ';') continue;
    if (isSpace(line[0]) && last) {
      // a continuation of the previous value (joined with a newline, as configparser does)
      last.raw += `\n${trimmed}`;
      continue;
    }
    finish();
    if (trimmed[0] === '[') {
      if (trimmed[trimmed.length - 1] !== ']') fail('a section header must end with "]" (nothing may follow it)');
      const name = trimmed.slice(1, -1);
      if (name === '') fail('empty section name "[]"');
      if (name === 'DEFAULT') {
        current = defaults;
        continue;
      }
      if (names.has(name)) fail(`duplicate section [${name}] (every property expression appears once)`);
      if (sections.length >= INI_MAX_SECTIONS) fail(`more than ${INI_MAX_SECTIONS} sections`);
      names.add(name);
      const s: IniSection = { name, line: lineNo, entries: new Map() };
      sections.push(s);
      current = s.entries;
      continue;
    }
    if (!current) fail('an entry before any [section] header');
    let sep = -1;
    for (let i = 0; i < trimmed.length; i++) {
      if (trimmed[i] === '=' || trimmed[i] === ':') {
        sep = i;
        break;
      }
    }
    if (sep < 0) fail(`expected "key = value", a [section] header or a comment (got ${JSON.stringify(trimmed.slice(0, 80))})`);
    const key = trimmed.slice(0, sep).trim().toLowerCase();
    if (key === '') fail('an entry without a key');
    if (current!.has(key)) fail(`duplicate key "${key}" in this section`);
    const entry: IniEntry = { value: '', line: lineNo };
    current!.set(key, entry);
    last = { key, entry, raw: trimmed.slice(sep + 1).trim() };
  }
  finish();
  return { sections, defaults };
}
