import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';

/**
 * A MongoDB wire-protocol relay for several processes sharing one store that is atomic only
 * per connection (the embedded jongodb). It listens on loopback, accepts any number of client
 * connections, and forwards their commands, one at a time, over ONE upstream connection: the
 * next command is sent only once the previous one's reply has arrived. So every command of
 * every worker reaches the store in one sequence, exactly as the commands of one process with
 * `maxPoolSize: 1` do, and version-checked updates from different workers cannot both win.
 *
 * Frames are forwarded untouched except one bit: `exhaustAllowed` is cleared, so the store
 * never streams several replies to one request (which would hold the shared connection).
 * Requests flagged `moreToCome` get no reply and are not waited for.
 */
export interface StoreRelay {
  /** A URI for clients of the relay (direct connection to the loopback port). */
  uri: string;
  close(): Promise<void>;
}

const HEADER = 16;
const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;
const EXHAUST_ALLOWED = 1 << 16;
/** Largest frame accepted from a client or the store (MongoDB's own limit is 48 MB). */
const MAX_FRAME = 64 * 1024 * 1024;

/** Splits a byte stream into wire-protocol frames (length-prefixed, linear in the input). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : Buffer.concat(this.chunks);
      const len = head.readInt32LE(0);
      if (len < HEADER || len > MAX_FRAME) throw new Error(`bad wire-protocol frame length ${len}`);
      if (this.buffered < len) return;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
      this.onFrame(all.subarray(0, len));
      const rest = all.subarray(len);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
    }
  }
}

function flagBits(frame: Buffer): number {
  return frame.length >= HEADER + 4 && frame.readInt32LE(12) === OP_MSG ? frame.readUInt32LE(HEADER) : 0;
}

interface Pending {
  client: Socket;
  frame: Buffer;
}

export async function startStoreRelay(upstreamUri: string, log: Logger): Promise<StoreRelay> {
  const target = parseHostPort(upstreamUri);
  const queue: Pending[] = [];
  let current: Pending | null = null;
  let upstream: Socket | null = null;
  const clients = new Set<Socket>();

  const openUpstream = (): Socket => {
    const s = connect({ host: target.host, port: target.port });
    s.setNoDelay(true);
    const reader = new FrameReader((reply) => {
      const to = current;
      if (!to) return; // a reply nobody waits for (its client's request was unacknowledged)
      if (!to.client.destroyed) to.client.write(reply);
      if (flagBits(reply) & MORE_TO_COME) return;
      current = null;
      pump();
    });
    s.on('data', (d: Buffer) => {
      try {
        reader.push(d);
      } catch (e) {
        s.destroy(e as Error);
      }
    });
    s.on('error', (err) => log.warn({ err }, 'store relay: upstream connection failed'));
    s.on('close', () => {
      if (upstream === s) upstream = null;
      // the command in flight has no answer: its client sees its connection drop and retries
      current?.client.destroy();
      current = null;
      pump();
    });
    return s;
  };

  const pump = (): void => {
    while (!current && queue.length) {
      const next = queue.shift()!;
      if (next.client.destroyed) continue;
      upstream ??= openUpstream();
      const flags = flagBits(next.frame);
      if (flags & EXHAUST_ALLOWED) next.frame.writeUInt32LE(flags & ~EXHAUST_ALLOWED, HEADER);
      upstream.write(next.frame);
      if (!(flags & MORE_TO_COME)) current = next;
    }
  };

  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    clients.add(client);
    const reader = new FrameReader((frame) => {
      // frames never overlap, so the view may be kept (and its flag bits edited) as it is
      queue.push({ client, frame });
      pump();
    });
    client.on('data', (d: Buffer) => {
      try {
        reader.push(d);
      } catch (e) {
        log.warn({ err: e }, 'store relay: malformed frame from a client');
        client.destroy();
      }
    });
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    uri: relayUri(upstreamUri, port),
    async close() {
      for (const c of clients) c.destroy();
      upstream?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The upstream URI (credentials, database, options kept) pointed at the relay's port. */
export function relayUri(upstreamUri: string, port: number): string {
  const m = /^(mongodb:\/\/(?:[^@/]*@)?)([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(upstreamUri);
  if (!m) throw new Error('the store relay needs a single-host mongodb:// URI');
  const query = (m[4] ?? '').replace(/^\?/, '');
  const opts = query.split('&').filter((o) => o && !/^(directConnection|replicaSet)=/i.test(o));
  return `${m[1]}127.0.0.1:${port}${m[3] || '/'}?${['directConnection=true', ...opts].join('&')}`;
}

/** host and port of a single-host mongodb:// URI (the relay forwards to one server). */
export function parseHostPort(uri: string): { host: string; port: number } {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/?,]+)/.exec(uri);
  if (!m) throw new Error('the store relay needs a single-host mongodb:// URI');
  const hp = m[1];
  const at = hp.lastIndexOf(':');
  if (at < 0 || hp.endsWith(']')) return { host: hp.replace(/^\[|\]$/g, ''), port: 27017 };
  return { host: hp.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hp.slice(at + 1)) };
}
