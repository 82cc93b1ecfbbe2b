import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync, truncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRangeStream } from '../../src/stores/file-stream.js';

const MiB = 1 << 20;
let dir: string;
let path: string;
let data: Buffer;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-stream-'));
  path = join(dir, 'data');
  data = randomBytes(5 * MiB + 12345);
  writeFileSync(path, data);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ranges: [number | undefined, number | undefined][] = [
  [undefined, undefined],
  [0, 0],
  [1, MiB],
  [MiB - 1, 3 * MiB + 7],
  [5 * MiB, 5 * MiB + 12344],
];

test('as a Readable it yields exactly the requested range, then closes the file', async () => {
  for (const [start, end] of ranges) {
    const fh = await open(path, 'r');
    const s = new FileRangeStream(fh, start, end);
    const got = Buffer.concat(await s.toArray());
    assert.ok(got.equals(data.subarray(start ?? 0, end === undefined ? undefined : end + 1)), `range ${start}-${end}`);
    await new Promise((r) => setImmediate(r));
    assert.equal(fh.fd, -1, 'file closed');
  }
});

/** A server whose handler pumps the given range; the client collects the body. */
async function serve(handler: (res: import('node:http').ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => handler(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function get(url: string, opts: { abortAfter?: number } = {}): Promise<{ status: number; body: Buffer; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
        if (opts.abortAfter !== undefined && n >= opts.abortAfter) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), aborted: true });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), aborted: false }));
      res.on('error', () => undefined);
    });
    req.on('error', (e) => (opts.abortAfter !== undefined ? undefined : reject(e)));
    req.end();
  });
}

test('pumpTo sends exactly the range over HTTP and closes the file', async () => {
  for (const [start, end] of ranges) {
    let fh!: FileHandle;
    const { server, url } = await serve(async (res) => {
      fh = await open(path, 'r');
      const s = new FileRangeStream(fh, start, end);
      const len = (end === undefined ? data.length - 1 : end) - (start ?? 0) + 1;
      res.setHeader('Content-Length', String(len));
      assert.ok(s.pumpable);
      s.pumpTo(res);
    });
    try {
      const r = await get(url);
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(data.subarray(start ?? 0, end === undefined ? undefined : end + 1)), `range ${start}-${end}: ${r.body.length} bytes`);
      await new Promise((r2) => setTimeout(r2, 20));
      assert.equal(fh.fd, -1, 'file closed');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }
});

test('a client that goes away mid-transfer stops the pump and the file is closed', async () => {
  // larger than loopback's socket buffers can hold (5 MiB could be pumped whole before the abort was seen); sparse, so free
  const big = join(dir, 'big');
  const size = 256 * MiB;
  writeFileSync(big, '');
  truncateSync(big, size);
  let s!: FileRangeStream;
  let fh!: FileHandle;
  const closed = new Promise<void>((resolve) => {
    void serve(async (res) => {
      fh = await open(big, 'r');
      s = new FileRangeStream(fh);
      s.on('close', () => resolve());
      s.on('error', () => undefined);
      res.setHeader('Content-Length', String(size));
      res.once('close', () => {
        if (!res.writableFinished) s.destroy();
      });
      s.pumpTo(res);
    }).then(async ({ server, url }) => {
      const r = await get(url, { abortAfter: MiB });
      assert.ok(r.aborted);
      await closedOrTimeout;
      server.closeAllConnections();
      server.close();
    });
  });
  const closedOrTimeout = Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('the pump did not stop')), 5000))]);
  await closedOrTimeout;
  assert.ok(s.sent < size, `stopped early (${s.sent} of ${size} bytes read)`);
  assert.equal(fh.fd, -1, 'file closed');
});

test('a read error before the first byte is an error event, with nothing sent', async () => {
  const fh = await open(path, 'r');
  const s = new FileRangeStream(fh);
  await fh.close(); // every read now fails
  const { server, url } = await serve((res) => {
    s.once('error', (e) => {
      assert.equal(res.headersSent, false);
      res.statusCode = 503;
      res.end(`failed: ${(e as NodeJS.ErrnoException).code}`);
    });
    s.pumpTo(res);
  });
  try {
    const r = await get(url);
    assert.equal(r.status, 503);
    assert.match(r.body.toString(), /failed: E/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('pumpTo refuses a stream that is already being read', async () => {
  const fh = await open(path, 'r');
  const s = new FileRangeStream(fh, 0, 10);
  s.on('data', () => undefined);
  assert.equal(s.pumpable, false);
  assert.throws(() => s.pumpTo(createServer() as never), /already being read/);
  await new Promise((r) => s.on('close', r));
});
