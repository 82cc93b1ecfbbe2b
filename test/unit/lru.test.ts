import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Lru } from '../../src/lru.js';

test('holds at most max entries and drops the least recently used first', () => {
  const lru = new Lru<string, number>(3);
  lru.set('a', 1);
  lru.set('b', 2);
  lru.set('c', 3);
  assert.equal(lru.get('a'), 1); // order now b, c, a
  lru.set('d', 4); // drops b
  assert.equal(lru.size, 3);
  assert.equal(lru.get('b'), undefined);
  lru.set('c', 30); // re-setting refreshes: order a, d, c
  lru.set('e', 5); // drops a
  assert.equal(lru.get('a'), undefined);
  assert.deepEqual([lru.get('c'), lru.get('d'), lru.get('e')], [30, 4, 5]);
  lru.delete('d');
  assert.equal(lru.size, 2);
  lru.clear();
  assert.equal(lru.size, 0);
});

test('an entry is gone at its deadline and dropped when met', () => {
  const lru = new Lru<string, number>(2);
  const now = 1_000_000;
  lru.set('a', 1, now + 1000);
  lru.set('b', 2, now + 1000);
  assert.equal(lru.get('a', now), 1);
  lru.set('c', 3, now + 1000); // evicts b, the least recently used
  assert.equal(lru.size, 2);
  assert.equal(lru.get('b', now), undefined);
  assert.equal(lru.get('a', now + 999), 1);
  assert.equal(lru.get('c', now + 1000), undefined, 'expired at its deadline');
  assert.equal(lru.size, 1, 'an expired entry is dropped when met');
});

test('max 0 keeps nothing', () => {
  const none = new Lru<string, number>(0);
  none.set('x', 1);
  assert.equal(none.get('x'), undefined);
  assert.equal(none.size, 0);
});

test('behaves as a reference model (recency list) for any sequence of operations', () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('set' as const), k: fc.integer({ min: 0, max: 6 }), v: fc.integer() }),
    fc.record({ t: fc.constant('get' as const), k: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ t: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 6 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
      const lru = new Lru<number, number>(max);
      let model: [number, number][] = []; // least recently used first
      for (const o of ops) {
        if (o.t === 'set') {
          if (max <= 0) continue;
          model = model.filter(([k]) => k !== o.k);
          model.push([o.k, o.v]);
          if (model.length > max) model.shift();
          lru.set(o.k, o.v);
        } else if (o.t === 'get') {
          const i = model.findIndex(([k]) => k === o.k);
          const want = i < 0 ? undefined : model[i][1];
          if (i >= 0) model.push(...model.splice(i, 1));
          assert.equal(lru.get(o.k), want);
        } else {
          model = model.filter(([k]) => k !== o.k);
          lru.delete(o.k);
        }
        assert.equal(lru.size, model.length);
        assert.ok(lru.size <= Math.max(max, 0));
      }
    }),
    { seed: 18, numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
  );
});
