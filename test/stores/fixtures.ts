import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** Seeded bytes (xorshift32), so a failure can be replayed: `n` bytes from `seed`. */
export function seededBytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** `data` in chunks of `chunk` bytes, waiting `pauseMs` once `pauseAfter` bytes have gone by. */
export function slowSource(data: Buffer, o: { chunk?: number; pauseAfter?: number; pauseMs?: number; onPause?: () => Promise<void> } = {}): Readable {
  const chunk = o.chunk ?? 64 * 1024;
  let pos = 0;
  let paused = false;
  return new Readable({
    async read() {
      if (!paused && o.pauseAfter !== undefined && pos >= o.pauseAfter) {
        paused = true;
        await o.onPause?.();
        await new Promise((r) => setTimeout(r, o.pauseMs ?? 0));
      }
      if (pos >= data.length) return void this.push(null);
      this.push(data.subarray(pos, pos + chunk));
      pos += chunk;
    },
  });
}

/**
 * A TCP relay in front of a server, whose connections can all be cut at once: a store that
 * fails in the middle of a transfer without stopping the server the other tests use.
 */
export async function relay(target: string): Promise<{ url: string; bytes(): number; cut(): void; close(): Promise<void> }> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  let bytes = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(t.port), t.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => (bytes += d.length));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    cut() {
      for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
