/**
 * The unavoidable work of an upload, as a process of its own: read the payload in 1 MiB
 * blocks, MD5 and the multihash (SHA-512) of every block on this thread, one write per block
 * to a new file, fsync. Prints its own CPU-seconds (user + system), which bench/upload-cpu.ts
 * sets against the service's in the same run, so that a busy or throttled machine moves both.
 *   node --import tsx bench/lib/upload-floor.ts PAYLOAD OUT
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

const [payload, out] = process.argv.slice(2);
const start = process.cpuUsage();
const md5 = createHash('md5');
const sha = createHash('sha512');
const block = Buffer.allocUnsafe(1 << 20);
const inFd = openSync(payload, 'r');
const outFd = openSync(out, 'w');
for (let n; (n = readSync(inFd, block, 0, block.length, null)) > 0; ) {
  const b = block.subarray(0, n);
  md5.update(b);
  sha.update(b);
  writeSync(outFd, b);
}
fsyncSync(outFd);
closeSync(outFd);
closeSync(inFd);
md5.digest();
sha.digest();
rmSync(out);
const u = process.cpuUsage(start);
process.stdout.write(String((u.user + u.system) / 1e6));
