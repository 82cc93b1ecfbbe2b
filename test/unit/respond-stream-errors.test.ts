/**
 * A data stream can fail before the response attaches to it (it is opened, then handed on
 * across awaits). Its error must still become an answer: never an unhandled error event, and
 * never a response that waits forever on a stream that will not end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { send } from '../../src/http/respond.js';
import { captureErrors } from '../../src/stores/stream-errors.js';

test('a stream that failed before the response attached is answered with 503, promptly', async () => {
  const app = express();
  app.get('/', async (_req, res) => {
    const { stream } = captureErrors(new Readable({ read() {} }));
    stream.destroy(new Error('store went away'));
    await new Promise((r) => setTimeout(r, 20)); // the error event has fired by now
    send(res, { status: 200, stream });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(r.status, 503);
    assert.match(await r.text(), /could not be read/);
  } finally {
    server.close();
  }
});

test('captureErrors keeps the first error and leaves later listeners working', () => {
  const s = new Readable({ read() {} });
  const c = captureErrors(s);
  const seen: string[] = [];
  s.on('error', (e) => seen.push(e.message));
  s.emit('error', new Error('first'));
  s.emit('error', new Error('second'));
  assert.equal(c.error()?.message, 'first');
  assert.deepEqual(seen, ['first', 'second']);
});
