/**
 * One image data transfer, in a process of its own (like the service and the limit servers), so
 * that the client's own work does not share the bench process's heap and event loop.
 * Usage: node --import tsx bench/lib/transfer-client.ts '{"method":"PUT"|"GET","url":...,"headers":{...},"file":...,"bytes":N}'
 * Prints one JSON line: {status, got, secs} (got: bytes received; secs: from request to last byte).
 */
import { request } from 'node:http';
import { createReadStream } from 'node:fs';

const o = JSON.parse(process.argv[2]) as { method: 'PUT' | 'GET'; url: string; headers: Record<string, string>; file?: string; bytes?: number };
const t = process.hrtime.bigint();
let got = 0;
const status = await new Promise<number>((resolve, reject) => {
  const req = request(o.url, { method: o.method, headers: o.headers }, (res) => {
    res.on('data', (c: Buffer) => {
      got += c.length;
    });
    res.on('end', () => resolve(res.statusCode ?? 0));
    res.on('error', reject);
  });
  req.on('error', reject);
  if (o.method === 'PUT') createReadStream(o.file!, { highWaterMark: 1 << 20, end: o.bytes! - 1 }).pipe(req);
  else req.end();
});
process.stdout.write(JSON.stringify({ status, got, secs: Number(process.hrtime.bigint() - t) / 1e9 }) + '\n');
