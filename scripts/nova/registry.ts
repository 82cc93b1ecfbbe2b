/**
 * Nova's flavor extra-spec validator registry as data: read from an installed Nova through
 * scripts/nova-extra-specs.py (run with the Python that has Nova), or from the snapshot checked in
 * beside the Nova-derived namespaces (etc/nova/registry.json).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';

export interface NovaValue {
  type: 'bool' | 'int' | 'str';
  min?: number;
  max?: number;
  enum?: string[];
  pattern?: string;
}

export interface NovaValidator {
  /** As Nova writes it, with `{param}` placeholders: `hw:numa_cpus.{num}`. */
  name: string;
  name_regex: string;
  parameters: { name: string; pattern: string }[];
  value: NovaValue;
  deprecated: boolean;
}

export interface NovaImageField {
  name: string;
  type: 'enum' | 'int';
  enum?: string[];
  min?: number;
  /** The field rewrites values before its enum check (accepts more spellings than listed). */
  canonicalizes?: boolean;
}

export interface NovaRegistry {
  nova_version: string;
  validators: NovaValidator[];
  /** Name regexes of the prefixes Nova checks (`hw`, `trait(?P<group>...)`): unknown keys there are refused. */
  namespaces: string[];
  image_properties: { fields: NovaImageField[]; legacy_names: Record<string, string> } | null;
}

export const HELPER = join(PROJECT_ROOT, 'scripts', 'nova-extra-specs.py');
export const SNAPSHOT = join(PROJECT_ROOT, 'etc', 'nova', 'registry.json');
export const DEFAULT_PYTHON = process.env.NOVA_PYTHON || '/usr/bin/python3';

export class NovaUnavailable extends Error {}

/** Runs the helper in `mode` with `input` on stdin; resolves with its parsed JSON output. */
export function runHelper<T>(python: string, mode: 'dump' | 'validate', input?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [HELPER, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdin.on('error', () => undefined); // the helper may exit first; its exit code tells
    child.once('error', (e) => reject(new NovaUnavailable(`cannot run ${python}: ${e.message}`)));
    child.once('close', (code) => {
      if (code === 3) return reject(new NovaUnavailable(err.trim().split('\n').pop() ?? `Nova is not importable by ${python}`));
      if (code !== 0) return reject(new Error(`${python} ${HELPER} ${mode} exited with ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as T);
      } catch (e) {
        reject(new Error(`${HELPER} ${mode} printed no JSON: ${(e as Error).message}`));
      }
    });
    child.stdin.end(input === undefined ? '' : JSON.stringify(input));
  });
}

export const readInstalledRegistry = (python = DEFAULT_PYTHON) => runHelper<NovaRegistry>(python, 'dump');

export function readSnapshot(file = SNAPSHOT): NovaRegistry | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NovaRegistry) : null;
}

/** Nova's verdicts on `items`, from its own `validators.validate(name, value)`. */
export const novaVerdicts = (items: { name: string; value: string }[], python = DEFAULT_PYTHON) =>
  runHelper<{ valid: boolean; message?: string }[]>(python, 'validate', items);
