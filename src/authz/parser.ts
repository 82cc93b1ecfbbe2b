/**
 * The oslo.policy check language: `role:x`, `rule:name`, `<cred>:%(key)s`, `'literal':%(key)s`,
 * `<cred>:literal`, `@` (always), `!` (never), `and` / `or` / `not`, parentheses; an empty
 * string always passes. `not` binds tighter than `and`, which binds tighter than `or`
 * (`A or B and C` = `A or (B and C)`).
 */

/** One side of a generic check: a credential value, a literal, or a key of the target. */
export type Operand = { kind: 'cred'; name: string } | { kind: 'literal'; value: string } | { kind: 'target'; key: string };

export type Check =
  | { t: 'true' }
  | { t: 'false' }
  | { t: 'role'; role: string }
  | { t: 'rule'; name: string }
  | { t: 'generic'; left: Operand; right: Operand; text: string }
  | { t: 'and'; items: Check[] }
  | { t: 'or'; items: Check[] }
  | { t: 'not'; item: Check };

export class PolicySyntaxError extends Error {}

type Token = { kind: '(' | ')' | 'and' | 'or' | 'not' | 'check'; text: string; pos: number };

function tokenize(src: string): Token[] {
  // As oslo.policy: split on whitespace (outside quotes), then peel parentheses off both ends of
  // each chunk, so `%(key)s` keeps its own parentheses.
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    if (/\s/.test(src[i])) {
      i++;
      continue;
    }
    const start = i;
    let text = '';
    while (i < src.length && !/\s/.test(src[i])) {
      const q = src[i];
      if (q === "'" || q === '"') {
        const end = src.indexOf(q, i + 1);
        if (end < 0) throw new PolicySyntaxError(`unterminated quote at position ${i + 1}`);
        text += src.slice(i, end + 1);
        i = end + 1;
      } else {
        text += q;
        i++;
      }
    }
    let pos = start;
    while (text.startsWith('(')) {
      out.push({ kind: '(', text: '(', pos: pos++ });
      text = text.slice(1);
    }
    let closing = 0;
    while (text.endsWith(')')) {
      closing++;
      text = text.slice(0, -1);
    }
    if (text) {
      const lower = text.toLowerCase();
      if (lower === 'and' || lower === 'or' || lower === 'not') out.push({ kind: lower, text, pos });
      else out.push({ kind: 'check', text, pos });
    }
    for (let k = 0; k < closing; k++) out.push({ kind: ')', text: ')', pos: pos + text.length + k });
  }
  return out;
}

function unquote(s: string): string | null {
  if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return null;
}

function parseCheck(text: string): Check {
  if (text === '@') return { t: 'true' };
  if (text === '!') return { t: 'false' };
  // Split at the first colon outside quotes.
  let colon = -1;
  for (let i = 0, q = ''; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === q) q = '';
    } else if (c === "'" || c === '"') q = c;
    else if (c === ':') {
      colon = i;
      break;
    }
  }
  if (colon < 0) throw new PolicySyntaxError(`"${text}" is not a check (expected kind:match, @ or !)`);
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (!kind) throw new PolicySyntaxError(`"${text}" has no kind before the colon`);
  if (!match) throw new PolicySyntaxError(`"${text}" has nothing after the colon`);
  if (kind === 'role') {
    if (match.includes('%(')) throw new PolicySyntaxError(`"${text}": role checks take a role name, not a target key`);
    return { t: 'role', role: match.toLowerCase() };
  }
  if (kind === 'rule') {
    if (!/^[A-Za-z0-9_:.\-]+$/.test(match)) throw new PolicySyntaxError(`"${text}" does not name a rule`);
    return { t: 'rule', name: match };
  }
  if (kind === 'http' || kind === 'https') throw new PolicySyntaxError(`"${text}": remote (${kind}) checks are not supported`);
  const lit = unquote(kind);
  let left: Operand;
  if (lit !== null) left = { kind: 'literal', value: lit };
  else if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(kind)) left = { kind: 'cred', name: kind };
  else throw new PolicySyntaxError(`"${text}": "${kind}" is neither a credential name nor a quoted literal`);
  let right: Operand;
  const ref = /^%\(([A-Za-z0-9_.]+)\)s$/.exec(match);
  if (ref) right = { kind: 'target', key: ref[1] };
  else if (match.includes('%')) throw new PolicySyntaxError(`"${text}": a target reference must be exactly %(key)s`);
  else right = { kind: 'literal', value: unquote(match) ?? match };
  return { t: 'generic', left, right, text };
}

/** Parses a check string; throws PolicySyntaxError with a readable reason. */
export function parsePolicy(src: string): Check {
  if (typeof src !== 'string') throw new PolicySyntaxError('the check must be a string');
  const tokens = tokenize(src);
  if (!tokens.length) return { t: 'true' };
  let p = 0;
  const peek = () => tokens[p];
  const where = (tok?: Token) => (tok ? `"${tok.text}" at position ${tok.pos + 1}` : 'the end');

  function orExpr(): Check {
    const items = [andExpr()];
    while (peek()?.kind === 'or') {
      p++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { t: 'or', items };
  }
  function andExpr(): Check {
    const items = [notExpr()];
    while (peek()?.kind === 'and') {
      p++;
      items.push(notExpr());
    }
    return items.length === 1 ? items[0] : { t: 'and', items };
  }
  function notExpr(): Check {
    if (peek()?.kind === 'not') {
      p++;
      return { t: 'not', item: notExpr() };
    }
    return atom();
  }
  function atom(): Check {
    const tok = peek();
    if (!tok) throw new PolicySyntaxError('unexpected end of the check string (an operand is missing)');
    if (tok.kind === '(') {
      p++;
      const inner = orExpr();
      if (peek()?.kind !== ')') throw new PolicySyntaxError(`missing ")" for the "(" at position ${tok.pos + 1}, found ${where(peek())}`);
      p++;
      return inner;
    }
    if (tok.kind === 'check') {
      p++;
      return parseCheck(tok.text);
    }
    throw new PolicySyntaxError(`unexpected ${where(tok)}`);
  }

  const tree = orExpr();
  if (p < tokens.length) throw new PolicySyntaxError(`unexpected ${where(tokens[p])}`);
  return tree;
}

function operandText(o: Operand): string {
  return o.kind === 'cred' ? o.name : o.kind === 'literal' ? `'${o.value}'` : `%(${o.key})s`;
}

/** Canonical text of a parsed check (fully parenthesised where precedence matters). */
export function formatCheck(c: Check): string {
  switch (c.t) {
    case 'true':
      return '@';
    case 'false':
      return '!';
    case 'role':
      return `role:${c.role}`;
    case 'rule':
      return `rule:${c.name}`;
    case 'generic':
      return `${operandText(c.left)}:${operandText(c.right)}`;
    case 'not':
      return `not ${wrap(c.item)}`;
    case 'and':
      return c.items.map(wrap).join(' and ');
    case 'or':
      return c.items.map(wrap).join(' or ');
  }
}
const wrap = (c: Check) => (c.t === 'and' || c.t === 'or' ? `(${formatCheck(c)})` : formatCheck(c));

/** Rule names referenced with `rule:` anywhere in the check. */
export function referencedRules(c: Check, out: Set<string> = new Set()): Set<string> {
  if (c.t === 'rule') out.add(c.name);
  else if (c.t === 'and' || c.t === 'or') c.items.forEach((i) => referencedRules(i, out));
  else if (c.t === 'not') referencedRules(c.item, out);
  return out;
}
