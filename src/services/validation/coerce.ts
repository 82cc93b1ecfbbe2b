/**
 * How consumers read property values that arrive as strings.
 *
 * Image properties and flavor extra specs are always strings; the consumer (Nova) turns
 * them into typed values. We interpret them the same way before checking them against the
 * metadef property's JSON schema:
 *
 * - boolean: oslo.utils `bool_from_string(strict=True)`, which Nova uses for extra specs and
 *   image properties: `1 t true on y yes` / `0 f false off n no`, case-insensitive, surrounding
 *   blanks ignored. Anything else is not a boolean.
 * - integer: an optional sign and decimal digits (`"4"`, `"-1"`, `"+8"`), blanks around allowed,
 *   as Python's `int()` reads them; `"4.5"`, `"4e2"`, `"0x10"` and `""` are not integers.
 * - number: a decimal number with optional fraction and exponent (`"1.5"`, `"-2"`, `"1e3"`);
 *   `inf`/`nan` are refused (a definition bound could not be applied to them).
 * - string: the text as given.
 * - array: see `splitOperators` — the Nova extra-spec operator syntax, or a comma-separated list.
 *
 * Non-string JSON values (a dashboard sending `true` or `4`) are taken as they are.
 */

const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no']);
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type ScalarType = 'string' | 'integer' | 'number' | 'boolean';

/** The typed value a consumer would read from `raw`, or `undefined` when it cannot be read as `type`. */
export function coerceScalar(raw: unknown, type: string | null | undefined): unknown {
  if (typeof raw !== 'string') return raw;
  switch (type) {
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      return undefined;
    }
    case 'integer': {
      const v = raw.trim();
      if (!INTEGER.test(v)) return undefined;
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'number': {
      const v = raw.trim();
      if (!NUMBER.test(v)) return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    default:
      return raw;
  }
}

/** Human description of what a string must look like to be read as `type`. */
export function expectedForm(type: string): string {
  switch (type) {
    case 'boolean':
      return 'a boolean (true/false, yes/no, on/off, 1/0)';
    case 'integer':
      return 'an integer such as "4"';
    case 'number':
      return 'a number such as "1.5"';
    default:
      return `a ${type}`;
  }
}

/**
 * Nova's extra-spec operators (nova/scheduler/filters/extra_specs_ops.py), as consumers write them:
 *
 * - `<or> a <or> b <or> c` — any one of the values; we split on the `<or>` token, so a value may
 *   contain blanks (`<or> Abu Dhabi <or> Seoul`), which Nova's whitespace split would not allow.
 * - `<all-in> a b c` — every value (blank-separated, as Nova splits them).
 * - `<in> text` — a substring test; the text is one value.
 *
 * Each operand is then checked like a plain value. Operators are honoured only when the property
 * definition lists them in `operators` (as Horizon offers them); otherwise the text is a plain value.
 * Nova's comparison operators (`==`, `>=`, `s==`…) are not metadef operators and are not parsed.
 */
export interface OperatorSplit {
  operator: string | null;
  operands: string[];
}

const OPERATOR_HEAD = /^\s*(<or>|<all-in>|<in>)(?=\s|$)/;

export function splitOperators(raw: string): OperatorSplit {
  const m = OPERATOR_HEAD.exec(raw);
  if (!m) return { operator: null, operands: [raw] };
  const op = m[1];
  const rest = raw.slice(m[0].length);
  if (op === '<or>') return { operator: op, operands: rest.split('<or>').map((x) => x.trim()) };
  if (op === '<all-in>') return { operator: op, operands: rest.trim() ? rest.trim().split(/\s+/) : [''] };
  return { operator: op, operands: [rest.trim()] };
}

/** A plain (operator-less) value of an array property: comma-separated items, blanks trimmed. */
export function splitList(raw: string): string[] {
  return raw.trim() === '' ? [] : raw.split(',').map((x) => x.trim());
}
