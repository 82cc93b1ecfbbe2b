import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertClean, findUnclean, isCleanString, MAX_JSON_DEPTH } from '../../src/http/well-formed.js';
import { encodeSegment, link } from '../../src/domain/links.js';
import { DomainError } from '../../src/domain/errors.js';

test('clean strings: valid Unicode without NUL; surrogate pairs are fine, lone halves and NUL are not', () => {
  for (const s of ['', 'abc', 'caf\u00e9', '\ud83d\ude80', 'a\ud83d\ude80b']) assert.equal(isCleanString(s), true, JSON.stringify(s));
  for (const s of ['\u0000', 'a\u0000', '\ud800', 'a\ud800b', '\udc00', '\ud83d\ud83d', '\ude80\ud83d']) assert.equal(isCleanString(s), false, JSON.stringify(s));
});

test('the checker agrees with String.prototype.isWellFormed on any UTF-16 string', () => {
  const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed() && !s.includes('\u0000');
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 12 }), fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { maxLength: 3 }), (s, halves) => {
      const t = s + String.fromCharCode(...halves);
      assert.equal(isCleanString(t), wellFormed(t));
    }),
    { seed: 14, numRuns: 2000 },
  );
});

test('the walk names the first unclean key or value, and stops at nesting deeper than MAX_JSON_DEPTH', () => {
  assert.deepEqual(findUnclean({ a: [1, { 'b\u0000': 2 }] }), { path: ['a', 1, 'b\u0000'], isKey: true });
  assert.deepEqual(findUnclean({ a: ['ok', 'x\ud800'] }), { path: ['a', 1], isKey: false });
  assert.equal(findUnclean({ a: ['ok', { b: '\ud83d\ude80' }] }), undefined);
  const deep = JSON.parse('['.repeat(300_000) + '"\\u0000"' + ']'.repeat(300_000));
  assert.deepEqual(findUnclean(deep), { path: Array(MAX_JSON_DEPTH + 1).fill(0), isKey: false, tooDeep: true });
  assert.throws(() => assertClean(deep, 'request body'), (e: unknown) => e instanceof DomainError && e.kind === 'Invalid' && /nested deeper than 32 levels/.test(e.message) && e.message.length < 300);
  const deepest = JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH) + '{}' + '}'.repeat(MAX_JSON_DEPTH));
  assert.equal(findUnclean(deepest), undefined, 'nesting up to the limit is fine');
  assert.equal(findUnclean(JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '{}' + '}'.repeat(MAX_JSON_DEPTH + 1)))?.tooDeep, true);
  assert.throws(() => assertClean({ 'k\ud800': 1 }, 'request body'), /Invalid name 'k\\ud800' in request body/);
});

test('links: each segment percent-encoded, dot segments too, pchar sub-delimiters kept, never throws', () => {
  assert.equal(link('v2', 'metadefs', 'namespaces', 'a/b'), '/v2/metadefs/namespaces/a%2Fb');
  assert.equal(link('v2', 'metadefs', 'namespaces', 'OS::Compute::Quota', 'objects', 'CPU Limits'), '/v2/metadefs/namespaces/OS::Compute::Quota/objects/CPU%20Limits');
  assert.equal(encodeSegment('..'), '%2E%2E');
  assert.equal(encodeSegment('.'), '%2E');
  assert.equal(encodeSegment('50%?#'), '50%25%3F%23');
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
      const e = encodeSegment(s);
      assert.match(e, /^[A-Za-z0-9\-_.!~*'()%:@$&+,;=]*$/);
      if (s !== '.' && s !== '..' && isCleanString(s.replace(/\u0000/g, ''))) assert.equal(decodeURIComponent(e), s);
    }),
    { seed: 8, numRuns: 2000 },
  );
});
