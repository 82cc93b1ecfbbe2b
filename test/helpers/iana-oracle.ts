/**
 * The reference verdict for the SSRF guard, computed straight from the IANA special-purpose
 * fixture (test/fixtures/iana-special-purpose.json) with its `policy`: longest prefix wins,
 * "Globally Reachable" True allows, anything else refuses, and embedding blocks marked
 * checkEmbedded are decided by the IPv4 addresses they carry. Addresses are bigints, so this
 * shares no parsing or matching code with the guard it checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';

export interface FixtureRow {
  registry: string;
  block: string;
  name: string;
  rfc: string;
  globallyReachable: string;
  embeds?: Embeds;
  checkEmbedded?: boolean;
}
export type Embeds = 'ipv4-mapped' | 'ipv4-compatible' | 'ipv4-translated' | 'nat64' | 'nat64-local' | '6to4' | 'teredo';
export type Family = 4 | 6;
export interface Row extends FixtureRow {
  family: Family;
  net: bigint;
  bits: number;
}

export const fixture = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'iana-special-purpose.json'), 'utf8')) as {
  sources: { id: string; lastUpdated: string }[];
  rows: FixtureRow[];
};

const width = (f: Family) => (f === 4 ? 32 : 128);
export const MASK32 = 0xffffffffn;

/** Dotted quad → bigint (fixture blocks only). */
function parse4(text: string): bigint {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 ${text}`);
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

/** IPv6 text without embedded dotted quad → bigint (fixture blocks only). */
function parse6(text: string): bigint {
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${text}`);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export const rows: Row[] = fixture.rows.map((r) => {
  const [addr, bits] = r.block.split('/');
  const family: Family = addr.includes(':') ? 6 : 4;
  const net = family === 4 ? parse4(addr) : parse6(addr);
  const b = Number(bits);
  if ((net & hostMask(family, b)) !== 0n) throw new Error(`fixture block ${r.block} has host bits set`);
  return { ...r, family, net, bits: b };
});

export function hostMask(f: Family, bits: number): bigint {
  return (1n << BigInt(width(f) - bits)) - 1n;
}
export const first = (r: Row) => r.net;
export const last = (r: Row) => r.net | hostMask(r.family, r.bits);
export const middle = (r: Row) => r.net + (hostMask(r.family, r.bits) + 1n) / 2n;

const contains = (r: Row, f: Family, v: bigint) => r.family === f && (v & ~hostMask(f, r.bits) & ((1n << BigInt(width(f))) - 1n)) === r.net;

/** The most specific row holding `v` (on a tie, a refusing row), or undefined. */
export function rowFor(f: Family, v: bigint): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) {
    if (!contains(r, f, v)) continue;
    if (!best || r.bits > best.bits || (r.bits === best.bits && r.globallyReachable !== 'True')) best = r;
  }
  return best;
}

/** The IPv4 addresses an IPv6 address in a block of kind `e` carries, per the fixture's policy. */
export function embedded(e: Embeds, v: bigint): bigint[] {
  switch (e) {
    case 'ipv4-mapped':
    case 'ipv4-compatible':
    case 'ipv4-translated':
    case 'nat64':
    case 'nat64-local':
      return [v & MASK32];
    case '6to4':
      return [(v >> 80n) & MASK32];
    case 'teredo':
      return [(v >> 64n) & MASK32, (v & MASK32) ^ MASK32];
  }
}

export interface Verdict {
  allowed: boolean;
  row?: Row;
}

/** The reference verdict for address `v` of family `f`. */
export function oracle(f: Family, v: bigint): Verdict {
  const row = rowFor(f, v);
  if (!row) {
    if (f === 6) throw new Error('the fixture must cover all of IPv6');
    return { allowed: true };
  }
  if (row.checkEmbedded && row.embeds) return { allowed: embedded(row.embeds, v).every((x) => oracle(4, x).allowed), row };
  return { allowed: row.globallyReachable === 'True', row };
}

/** Encodes `v4` in the IPv6 form of kind `e` (for nat64-local: at the /96 position). */
export function embed(e: Embeds, v4: bigint, teredoClient: bigint = v4): bigint {
  switch (e) {
    case 'ipv4-mapped':
      return (0xffffn << 32n) | v4;
    case 'ipv4-compatible':
      return v4;
    case 'ipv4-translated':
      return (0xffffn << 48n) | v4;
    case 'nat64':
      return (0x64ff9bn << 96n) | v4;
    case 'nat64-local':
      return (0x64ff9b0001n << 80n) | v4;
    case '6to4':
      return (0x2002n << 112n) | (v4 << 80n) | 1n;
    case 'teredo':
      // Server v4, flags 0x8000 (cone), obfuscated port 0xffff ^ 3544, obfuscated client.
      return (0x20010000n << 96n) | (v4 << 64n) | (0x8000n << 48n) | ((0xffffn ^ 3544n) << 32n) | (teredoClient ^ MASK32);
  }
}

// ---- text forms ----

export function v4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

function groups6(v: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
}

/** Eight groups, no compression: 0:0:0:0:0:ffff:a00:1. */
export function v6Full(v: bigint): string {
  return groups6(v)
    .map((g) => g.toString(16))
    .join(':');
}

/** RFC 5952 text: the longest run (≥ 2) of zero groups as `::`. */
export function v6Compressed(v: bigint): string {
  const g = groups6(v);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Six groups and a dotted quad: 64:ff9b:0:0:0:0:10.0.0.1. */
export function v6Dotted(v: bigint): string {
  const g = groups6(v).slice(0, 6).map((x) => x.toString(16));
  return `${g.join(':')}:${v4Text(v & MASK32)}`;
}

/** Every text form of an address the guard must judge alike. */
export function textForms(f: Family, v: bigint): string[] {
  if (f === 4) return [v4Text(v)];
  return [v6Compressed(v), v6Full(v), v6Dotted(v), v6Compressed(v).toUpperCase()];
}

/** Host spellings of an IPv4 address that the WHATWG URL parser normalises to it. */
export function v4UrlHosts(v: bigint): string[] {
  const b = [24n, 16n, 8n, 0n].map((s) => (v >> s) & 255n);
  return [
    v4Text(v),
    String(v), // 2130706433
    `0x${v.toString(16)}`, // 0x7f000001
    b.map((x) => `0${x.toString(8)}`).join('.'), // 0177.00.00.01
    b.map((x) => `0x${x.toString(16)}`).join('.'), // 0x7f.0x0.0x0.0x1
    `${b[0]}.${b[1]}.${(b[2] << 8n) | b[3]}`, // 127.0.1
    `${b[0]}.${v & 0xffffffn}`, // 127.1
    `0x${b[0].toString(16)}.${v & 0xffffffn}`, // 0x7f.1
    `${v4Text(v)}.`, // trailing dot
  ];
}
