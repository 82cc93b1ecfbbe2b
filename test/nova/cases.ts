/**
 * Sample extra specs for the Nova lane: for every validator of Nova's registry, key names (the
 * name itself, or instances of a parameterised name) and values on both sides of its rule. The
 * expected verdicts are not decided here: Nova's own validate() decides them.
 */
import { RE2JS } from 're2js';
import type { NovaValidator } from '../../scripts/nova/registry.js';

export interface Case {
  /** Nova's validator name (`hw:numa_cpus.{num}` for a family). */
  validator: string;
  /** The key sent: the name itself, or an instance of a parameterised name. */
  key: string;
  value: string;
  fixed: boolean;
}

/** Parameter values tried against each parameter pattern; the first two that fully match are used. */
const PARAMETER_POOL = ['', '0', '12', '_gpu1', 'G-2', 'CUSTOM', 'X_1', ':vendor', ':a:b', 'my_key'];

/** Candidate values for pattern rules: Nova's verdict on each decides which side it is on. */
const PATTERN_POOL = ['0', '1', '0-3', '0-3,^2', '^1', '1,2', '1-', 'large', 'small', 'any', '2048', '2MB', '1GiB', '4k', '1Gbit', 'x', 'Large', '', 'a1:2', 'alias_1:2', 'a:1, b:2', 'a:1,', 'pmem_a,pmem_b', 'pmem-a', '1.2', 'maybe'];

const BOOL_VALUES = ['true', 'False', '1', '0', 'yes', 'NO', 'on', 'off', 't', 'n', ' True ', 'yes\x1c', '\ufefftrue', 'maybe', '2', ''];

function fullMatch(pattern: string, s: string): boolean {
  return RE2JS.compile(`^(?:${pattern})$`).test(s);
}

function keys(v: NovaValidator): string[] {
  if (!v.parameters.length) return [v.name];
  // Two instances: each parameter's first sample, then each parameter's second (or first) sample.
  const samples = v.parameters.map((p) => {
    const ok = PARAMETER_POOL.filter((x) => fullMatch(p.pattern, x)).slice(0, 2);
    if (!ok.length) throw new Error(`no sample for parameter {${p.name}} (${p.pattern}) of ${v.name}`);
    return { name: p.name, ok };
  });
  const out = new Set<string>();
  for (const i of [0, 1]) {
    let k = v.name;
    for (const s of samples) k = k.split(`{${s.name}}`).join(s.ok[Math.min(i, s.ok.length - 1)]);
    out.add(k);
  }
  return [...out];
}

function values(v: NovaValidator): string[] {
  const r = v.value;
  if (r.type === 'bool') return BOOL_VALUES;
  if (r.type === 'int') {
    const out = ['4', '-1', '0', 'abc', '4.5', '', ' 8 ', '+3', '1_000', '1__0', '0x10', '\u0664', '\u00a04', '4\x1c', '99999999999999999999', 'maybe'];
    for (const b of [r.min, r.max]) if (b !== undefined) out.push(String(b), String(b - 1), String(b + 1));
    return [...new Set(out)];
  }
  if (r.pattern !== undefined) return PATTERN_POOL;
  if (r.enum) return [...new Set([...r.enum, r.enum[0].toUpperCase(), `${r.enum[0]} `, 'not-a-value', '', 'maybe'])];
  return ['anything', '', 'maybe'];
}

/** Every case of the registry; families contribute only their sampled key names. */
export function buildCases(validators: NovaValidator[]): Case[] {
  const out: Case[] = [];
  for (const v of validators) {
    const fixed = v.parameters.length === 0;
    const vals = values(v);
    // The trait and resource families are hundreds of validators sharing one rule: fewer values each.
    const family = fixed ? vals : vals.filter((_, i) => i < 6 || i === vals.length - 1);
    for (const key of keys(v)) for (const value of fixed ? vals : family) out.push({ validator: v.name, key, value, fixed });
  }
  return out;
}
