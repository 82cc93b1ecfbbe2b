/**
 * In-process throughput of property validation next to raw ajv on the same compiled
 * schemas (`npm run bench`).
 *
 * - validation: `validate(props)` as the service runs it after its freshness check (a
 *   `BoundValidator` from `ValidationService.prepare`, or `evaluate` on a `keyIndex`):
 *   key lookup, consumer string interpretation, operators, verdict objects.
 * - raw ajv: the very ajv functions behind those verdicts, found by key as any caller must, and
 *   called on values typed beforehand (outside the timed loop): the floor any validator built
 *   on these compiled schemas pays.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileNamespace, keyIndex, type KeyIndex } from './compile.js';
import type { NamespaceDef } from './definitions.js';
import { evaluate, type ValidationResult } from './evaluate.js';

export interface InProcessBenchResult {
  /** Property maps validated per second by `validate`. */
  validationsPerSec: number;
  /** Property maps per second for the raw ajv calls on the same maps. */
  rawAjvPerSec: number;
  /** validationsPerSec / rawAjvPerSec. */
  ratio: number;
  /** Keys per map, and how many of them a definition covers. */
  keys: number;
  knownKeys: number;
}

/** Calls per second of CPU time (user + system) of this process: steadier than wall time on a busy machine. */
function rate(fn: () => void, durationMs: number): number {
  for (let i = 0; i < 5000; i++) fn(); // warm-up (JIT)
  const budget = durationMs * 1000;
  let n = 0;
  const c0 = process.cpuUsage();
  for (;;) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    const c = process.cpuUsage(c0);
    const used = c.user + c.system;
    if (used >= budget) return n / (used / 1e6);
  }
}

let sink = 0;

export function benchInProcess(
  index: KeyIndex,
  props: Record<string, unknown>,
  opts: { validate?: (p: Record<string, unknown>) => ValidationResult; durationMs?: number } = {},
): InProcessBenchResult {
  const validate = opts.validate ?? ((p: Record<string, unknown>) => evaluate(index, p));
  const durationMs = opts.durationMs ?? 1000;
  // The same key dispatch a raw caller needs (which compiled schema applies to this key?), then
  // the compiled ajv functions on values typed beforehand.
  const typedProps: Record<string, unknown[]> = {};
  for (const [k, raw] of Object.entries(props)) {
    const e = index.get(k);
    if (e) typedProps[k] = e.defs.map((d) => d.typed(raw));
  }
  const raw = () => {
    for (const k in typedProps) {
      const e = index.get(k);
      if (e === undefined) continue;
      const values = typedProps[k];
      for (let i = 0; i < e.defs.length; i++) if ((e.defs[i].ajv as ((v: unknown) => boolean) | null)?.(values[i])) sink++;
    }
  };
  const ours = () => {
    if (validate(props).valid) sink++;
  };
  // Interleaved rounds, median of each: evens out CPU frequency, GC and neighbours' load.
  const rounds = 5;
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(rate(raw, durationMs / (2 * rounds)));
    b.push(rate(ours, durationMs / (2 * rounds)));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const rawAjvPerSec = median(a);
  const validationsPerSec = median(b);
  return { validationsPerSec, rawAjvPerSec, ratio: validationsPerSec / rawAjvPerSec, keys: Object.keys(props).length, knownKeys: Object.keys(props).filter((k) => index.has(k)).length };
}

/** The key index of every `*.json` definition file in `dir` for one resource type (no database). */
export function indexFromCorpus(dir: string, resourceType: string, target: string | null = null): KeyIndex {
  const defs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as NamespaceDef);
  return keyIndex(defs.map((d) => compileNamespace(d)), resourceType, target);
}

/** Flavor extra specs as a scheduler sends them: 14 keys, strings, a mix of verdicts. */
export const SAMPLE_FLAVOR_SPECS: Readonly<Record<string, string>> = Object.freeze({
  'hw:cpu_policy': 'dedicated',
  'hw:cpu_thread_policy': 'prefer',
  'hw:cpu_sockets': '2',
  'hw:cpu_cores': '4',
  'hw:cpu_threads': '2',
  'hw:cpu_max_sockets': '4',
  'hw:watchdog_action': 'reset',
  'hw:mem_page_size': 'large',
  'hw_rng:allowed': 'true',
  'hw_rng:rate_bytes': '1024',
  'quota:cpu_shares': '1024',
  'capabilities:cpu_info:vendor': '<or> Intel <or> AMD',
  'hw:cpu_policy_extra': 'x',
  'aggregate:custom': 'y',
});
