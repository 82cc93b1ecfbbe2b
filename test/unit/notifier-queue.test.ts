import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeliveryQueue } from '../../src/notifier/queue.js';
import { amqpSink } from '../../src/notifier/amqp.js';
import { createLogger } from '../../src/log.js';
import { freePort } from '../helpers/keystone.js';

const opts = { max: 3, batch: 10, initialBackoffMs: 5, maxBackoffMs: 50 };
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('bounded: beyond max, items are dropped and counted; the caller is never blocked', async () => {
  let release!: () => void;
  const batches: number[][] = [];
  const drops: number[] = [];
  const q = new DeliveryQueue<number>(
    async (b) => {
      batches.push([...b]);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    },
    { ...opts, onDrop: (n) => drops.push(n) },
  );
  const results = [1, 2, 3, 4, 5].map((i) => q.push(i));
  assert.deepEqual(results, [true, true, true, false, false]);
  assert.deepEqual(q.counters(), { queued: 3, sent: 0, dropped: 2, failed: 0 });
  assert.deepEqual(drops, [1, 2]);
  release();
  await q.flushed();
  assert.deepEqual(batches, [[1], [2, 3]]);
  assert.deepEqual(q.counters(), { queued: 0, sent: 3, dropped: 2, failed: 0 });
  assert.equal(q.push(6), true, 'room again once delivered');
  await q.flushed();
  assert.equal(q.counters().sent, 4);
});

test('failures are retried in order with exponential back-off, capped', async () => {
  let failures = 4;
  const delivered: number[][] = [];
  const delays: number[] = [];
  const q = new DeliveryQueue<number>(
    async (b) => {
      if (failures-- > 0) throw new Error('broker down');
      delivered.push([...b]);
    },
    { max: 100, batch: 2, initialBackoffMs: 5, maxBackoffMs: 12, onRetry: (_e, d) => delays.push(d) },
  );
  const t = Date.now();
  for (const i of [1, 2, 3]) q.push(i);
  await q.flushed();
  assert.deepEqual(delays, [5, 10, 12, 12]);
  assert.ok(Date.now() - t >= 5 + 10 + 12 + 12 - 4, 'the back-off really waits');
  assert.deepEqual(delivered, [[1, 2], [3]], 'the failed batch is sent again, then the rest, in order');
  assert.deepEqual(q.counters(), { queued: 0, sent: 3, dropped: 0, failed: 4 });
});

test('close gives the queue a deadline, then counts what is left as dropped', async () => {
  const q = new DeliveryQueue<number>(async () => {
    throw new Error('never');
  }, { max: 10, batch: 10, initialBackoffMs: 1000, maxBackoffMs: 1000 });
  q.push(1);
  q.push(2);
  const t = Date.now();
  await q.close(30);
  assert.ok(Date.now() - t < 500, 'close does not wait out the back-off');
  assert.deepEqual(q.counters(), { queued: 0, sent: 0, dropped: 2, failed: 1 });
  assert.equal(q.push(3), false);
  assert.equal(q.counters().dropped, 3);
});

test('every pushed item is delivered at least once, in order, or counted as dropped', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.boolean(), { maxLength: 40 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), async (max, batch, outcomes, pauses) => {
      const seen: number[] = [];
      let k = 0;
      const q = new DeliveryQueue<number>(
        async (b) => {
          await tick();
          if (outcomes[k++ % Math.max(outcomes.length, 1)] === false && k < 60) throw new Error('fail');
          seen.push(...b);
        },
        { max, batch, initialBackoffMs: 0, maxBackoffMs: 1 },
      );
      const accepted: number[] = [];
      for (let i = 0; i < pauses.length; i++) {
        if (q.push(i)) accepted.push(i);
        if (pauses[i]) await tick();
      }
      await q.flushed();
      const c = q.counters();
      assert.equal(c.sent + c.dropped, pauses.length);
      assert.equal(c.queued, 0);
      assert.deepEqual(seen, accepted, 'delivered once each, in push order');
    }),
    { seed: 1616, numRuns: 60 },
  );
});

test('AMQP sink with no broker: the caller is not blocked, attempts fail and are counted, nothing is lost until close', async () => {
  const port = await freePort(); // nothing listens there
  const sink = amqpSink({ url: `rabbit://guest:guest@127.0.0.1:${port}/`, topics: ['notifications'], publisherId: 'image.test', queueMax: 2, log: createLogger('silent'), timeoutMs: 500, backoff: { initialMs: 20, maxMs: 40 } });
  const n = (i: number) => ({ message_id: `m${i}`, event_type: 'image.update', priority: 'INFO' as const, payload: { i }, timestamp: new Date(), context: {} });
  const t = Date.now();
  for (const i of [1, 2, 3]) sink.send(n(i));
  assert.ok(Date.now() - t < 50, 'send returns at once');
  await tick(200);
  const c = sink.counters();
  assert.equal(c.queued, 2);
  assert.equal(c.dropped, 1, 'the queue is bounded');
  assert.equal(c.sent, 0);
  assert.ok(c.failed >= 2, `retried (${c.failed} attempts)`);
  await sink.close(50);
  assert.deepEqual({ ...sink.counters(), failed: 0 }, { queued: 0, sent: 0, dropped: 3, failed: 0 });
});

test('AMQP sink: a payload that cannot be serialised is dropped and counted at once, not queued', async () => {
  const port = await freePort();
  const sink = amqpSink({ url: `rabbit://guest:guest@127.0.0.1:${port}/`, topics: ['notifications'], publisherId: 'image.test', queueMax: 5, log: createLogger('silent'), timeoutMs: 500, backoff: { initialMs: 1000, maxMs: 1000 } });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  sink.send({ message_id: 'm', event_type: 'image.update', priority: 'INFO', payload: cyclic, timestamp: new Date(), context: {} });
  sink.send({ message_id: 'n', event_type: 'image.update', priority: 'INFO', payload: { ok: 1n } as never, timestamp: new Date(), context: {} });
  assert.deepEqual(sink.counters(), { queued: 0, sent: 0, dropped: 2, failed: 0 });
  await sink.close(10);
});

test('close while a batch is in flight: it is counted once, as sent or dropped', async () => {
  for (const outcome of ['ok', 'fail'] as const) {
    let settle!: () => void;
    const q = new DeliveryQueue<number>(
      () =>
        new Promise<void>((resolve, reject) => {
          settle = () => (outcome === 'ok' ? resolve() : reject(new Error('lost')));
        }),
      { max: 10, batch: 2, initialBackoffMs: 1000, maxBackoffMs: 1000 },
    );
    for (const i of [1, 2, 3]) q.push(i);
    await q.close(10); // item 1 is in flight (delivery starts with the first push), 2 and 3 wait
    assert.deepEqual(q.counters(), { queued: 1, sent: 0, dropped: 2, failed: 0 });
    settle();
    await q.flushed();
    const c = q.counters();
    assert.equal(c.queued, 0);
    assert.equal(c.sent + c.dropped, 3, `${outcome}: ${JSON.stringify(c)}`);
    assert.equal(c.sent, outcome === 'ok' ? 1 : 0);
  }
});
