/**
 * Verdicts for one property map against a key index (pure, in memory; no I/O).
 */
import { DomainError } from '../../domain/errors.js';
import type { CompiledProperty, KeyIndex } from './compile.js';

export type PropertyStatus = 'valid' | 'invalid' | 'unknown';

export interface PropertyVerdict {
  status: PropertyStatus;
  /** The namespace whose definition decided the verdict (the first violated one when invalid). */
  namespace?: string;
  /** The object of that namespace defining the property, for object properties. */
  object?: string;
  /** Why the value is invalid, for a human: key, value, constraint, allowed values, namespace. */
  message?: string;
  /** Part of the definition could not be checked (e.g. a pattern RE2 cannot run). */
  warning?: string;
}

export interface ValidationResult {
  valid: boolean;
  properties: Record<string, PropertyVerdict>;
}

export interface InputLimits {
  /** Most properties in one map (413 beyond). */
  maxProperties: number;
  /** Longest key (400 beyond). */
  maxKeyLength: number;
  /** Longest string value, or list item (400 beyond). */
  maxValueLength: number;
  /** Most items in a list value (400 beyond). */
  maxListItems: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxProperties: 512, maxKeyLength: 255, maxValueLength: 65535, maxListItems: 256 };

function scalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * Refuses inputs the validator will not look at: not a map, too many properties (413), keys or
 * values too long, values nested deeper than a list of scalars (400). `where` names the map
 * in messages (e.g. `items[3].properties`).
 */
export function checkInput(props: unknown, limits: InputLimits, where = 'properties'): asserts props is Record<string, unknown> {
  if (!props || typeof props !== 'object' || Array.isArray(props)) throw new DomainError('Invalid', `${where} must be an object mapping property names to values.`);
  const keys = Object.keys(props);
  if (keys.length > limits.maxProperties) {
    throw new DomainError('TooLarge', `${where} has ${keys.length} entries; at most ${limits.maxProperties} properties can be validated at once.`);
  }
  for (const k of keys) {
    if (k.length > limits.maxKeyLength) throw new DomainError('Invalid', `${where}: a property name is longer than ${limits.maxKeyLength} characters (${k.slice(0, 40)}...).`);
    const v = (props as Record<string, unknown>)[k];
    if (Array.isArray(v)) {
      if (v.length > limits.maxListItems) throw new DomainError('Invalid', `${where}.${k}: a list value has more than ${limits.maxListItems} items.`);
      for (const it of v) {
        if (!scalar(it) || it === null) throw new DomainError('Invalid', `${where}.${k}: list items must be strings, numbers or booleans (nested values are not accepted).`);
        if (typeof it === 'string' && it.length > limits.maxValueLength) throw new DomainError('Invalid', `${where}.${k}: a list item is longer than ${limits.maxValueLength} characters.`);
      }
    } else if (!scalar(v)) {
      throw new DomainError('Invalid', `${where}.${k}: values must be strings, numbers, booleans or lists of them (nested objects are not accepted).`);
    } else if (typeof v === 'string' && v.length > limits.maxValueLength) {
      throw new DomainError('Invalid', `${where}.${k}: the value is longer than ${limits.maxValueLength} characters.`);
    }
  }
}

const UNKNOWN: PropertyVerdict = Object.freeze({ status: 'unknown' as const });

/**
 * Checks every property against every definition of its key (all must hold). A null value
 * means "unset" and is valid for a defined key. Keys no definition covers are `unknown`.
 * Verdicts for valid and unknown keys are shared frozen objects (no allocation per key).
 */
export function evaluate(index: KeyIndex, props: Record<string, unknown>): ValidationResult {
  let valid = true;
  const properties: Record<string, PropertyVerdict> = {};
  // for-in: plain JSON objects have only own enumerable keys (checkInput refuses anything else).
  for (const key in props) {
    const entry = index.get(key);
    let verdict: PropertyVerdict = UNKNOWN;
    if (entry !== undefined) {
      verdict = entry.valid;
      const raw = props[key];
      if (raw === null) {
        // unset: nothing to check
      } else if (entry.only !== null) {
        const problem = entry.only(raw);
        if (problem !== null) {
          verdict = invalidVerdict(key, entry.defs[0], problem);
          valid = false;
        }
      } else {
        const defs = entry.defs;
        for (let i = 0; i < defs.length; i++) {
          const problem = defs[i].check(raw);
          if (problem !== null) {
            verdict = invalidVerdict(key, defs[i], problem);
            valid = false;
            break;
          }
        }
      }
    }
    // A key such as "__proto__" must stay an ordinary entry, not set the prototype.
    if (key === '__proto__') Object.defineProperty(properties, key, { value: verdict, enumerable: true, writable: true, configurable: true });
    else properties[key] = verdict;
  }
  return { valid, properties };
}

function invalidVerdict(key: string, d: CompiledProperty, problem: string): PropertyVerdict {
  return {
    status: 'invalid',
    namespace: d.namespace,
    ...(d.object ? { object: d.object } : {}),
    message: `${key}: ${problem} defined by ${d.namespace}${d.object ? ` (object "${d.object}")` : ''}`,
  };
}
