import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyQueue } from '../../src/repositories/key-queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('tasks of one key run one at a time, in arrival order', async () => {
  const q = new KeyQueue();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  await Promise.all(
    [30, 10, 0, 20].map((ms, i) =>
      q.run('a', async () => {
        most = Math.max(most, ++running);
        log.push(`start ${i}`);
        await tick(ms);
        log.push(`end ${i}`);
        running--;
        return i;
      }),
    ),
  );
  assert.equal(most, 1);
  assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  assert.equal(q.size, 0, 'no key kept once idle');
});

test('different keys run side by side', async () => {
  const q = new KeyQueue();
  let running = 0;
  let most = 0;
  await Promise.all(['a', 'b', 'c'].map((k) => q.run(k, async () => {
    most = Math.max(most, ++running);
    await tick(20);
    running--;
  })));
  assert.equal(most, 3);
});

test('a failing task passes its error to its caller and does not block the next', async () => {
  const q = new KeyQueue();
  const first = q.run('a', async () => {
    throw new Error('boom');
  });
  const second = q.run('a', async () => 'ok');
  await assert.rejects(first, /boom/);
  assert.equal(await second, 'ok');
  assert.equal(q.size, 0);
});
