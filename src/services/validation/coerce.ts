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
 * - integer: as Python's `int(text)`, which Nova uses: blanks around, an optional sign, decimal
 *   digits (any script's, `"٤"` is 4) with single underscores between them (`"1_000"`); `"4.5"`,
 *   `"4e2"`, `"0x10"` and `""` are not integers. Any size is an integer; beyond ±2^53 the value is
 *   read as ±2^53, which keeps every comparison with a safe-integer bound exact.
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
/** Blanks Python's int() skips: ASCII whitespace, and non-ASCII characters str.isspace() accepts. */
const PY_INT_BLANK = /^[ \t\n\v\f\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[ \t\n\v\f\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
/** Blanks Python's str.strip() removes (what oslo's bool_from_string strips): also \x1c-\x1f, not \ufeff. */
const PY_STRIP = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
/** Sign, then digits of any script with single underscores between them. */
const PY_INT = /^([+-]?)(\p{Nd}+(?:_\p{Nd}+)*)$/u;
const DECIMAL = /\p{Nd}/u;
const LIMIT = 2 ** 53;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type ScalarType = 'string' | 'integer' | 'number' | 'boolean';

/** The typed value a consumer would read from `raw`, or `undefined` when it cannot be read as `type`. */
export function coerceScalar(raw: unknown, type: string | null | undefined): unknown {
  if (typeof raw !== 'string') return raw;
  switch (type) {
    case 'boolean': {
      const v = raw.replace(PY_STRIP, '').toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      return undefined;
    }
    case 'integer':
      return pythonInt(raw);
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

/**
 * The value of a decimal digit of any script: Unicode keeps each script's digits 0-9 in
 * contiguous runs of ten, so the offset from the start of the run of digits around it tells.
 */
const digitValues = new Map<number, number>();
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 128) return cp - 48;
  let v = digitValues.get(cp); // at most the few hundred decimal digits Unicode has
  if (v === undefined) {
    let start = cp;
    while (start > 0 && DECIMAL.test(String.fromCodePoint(start - 1))) start--;
    v = (cp - start) % 10;
    digitValues.set(cp, v);
  }
  return v;
}

/** Python's `int(text)` (see above), or undefined where it raises ValueError. */
function pythonInt(raw: string): number | undefined {
  const m = PY_INT.exec(raw.replace(PY_INT_BLANK, ''));
  if (!m) return undefined;
  let digits = m[2].replace(/_/g, '');
  if (!INTEGER.test(digits)) digits = [...digits].map((c) => String(digitValue(c))).join('');
  digits = digits.replace(/^0+(?=\d)/, '');
  const n = digits.length > 16 ? LIMIT : Math.min(Number(digits), LIMIT);
  return m[1] === '-' ? (n === 0 ? 0 : -n) : n;
}

const identity = (raw: string): unknown => raw;

/** `coerceScalar(raw, 'integer')` without allocation for the usual plain digits. */
function readInteger(raw: string): unknown {
  const n = raw.length;
  if (n === 0 || n > 15) return coerceScalar(raw, 'integer');
  let i = 0;
  const c0 = raw.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i = 1; // + -
  if (i === n) return undefined;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) return coerceScalar(raw, 'integer'); // blanks and anything unusual: the general path
  }
  return Number(raw);
}

/** `coerceScalar(raw, 'boolean')` with the common spellings first. */
function readBoolean(raw: string): unknown {
  switch (raw) {
    case 'true':
    case 'True':
    case '1':
      return true;
    case 'false':
    case 'False':
    case '0':
      return false;
    default:
      return coerceScalar(raw, 'boolean');
  }
}

const readNumber = (raw: string): unknown => coerceScalar(raw, 'number');

/** The string reader for `type`, chosen once at compile time (same results as `coerceScalar`). */
export function coercerFor(type: string | null | undefined): (raw: string) => unknown {
  switch (type) {
    case 'boolean':
      return readBoolean;
    case 'integer':
      return readInteger;
    case 'number':
      return readNumber;
    default:
      return identity;
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
      return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
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

const NONE = (raw: string): OperatorSplit => ({ operator: null, operands: [raw] });

/** Whether `raw` may start with an operator (first non-blank character is `<`): a cheap pre-check. */
export function mayHaveOperator(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 60) return true; // <
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return false;
}

export function splitOperators(raw: string): OperatorSplit {
  if (!mayHaveOperator(raw)) return NONE(raw);
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
