/** Re-verifying a cached copy against the digests it was admitted with (`clean`). */
import { createReadStream } from 'node:fs';
import type { Logger } from '../log.js';
import { hashSupported, StreamDigests } from '../stores/hashing.js';
import type { Entry } from './index-file.js';

/**
 * Whether the file at `path` still matches `e`, re-hashed by the hash workers' pool. A copy
 * that cannot be read because it was evicted meanwhile (`stillCached` false) is not judged;
 * a failed hash worker says nothing about the bytes, so the copy is kept.
 */
export async function copyIntact(path: string, e: Entry, stillCached: () => boolean, log: Logger): Promise<boolean> {
  const algo = e.osHashValue && e.osHashAlgo ? e.osHashAlgo.toLowerCase() : null;
  const multi = algo && hashSupported(algo) ? algo : null;
  const digests = new StreamDigests(multi ? ['md5', multi] : ['md5']);
  let size = 0;
  let hex: string[];
  let hashing = false;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      size += chunk.length;
      hashing = true;
      digests.update(chunk);
      await digests.drained();
      hashing = false;
    }
    hashing = true;
    hex = await digests.digest();
  } catch (err) {
    digests.abandon();
    if (!hashing) return !stillCached(); // evicted meanwhile: not ours to judge
    log.warn({ image_id: e.id, err: (err as Error).message }, 'cannot verify the cached copy');
    return true;
  }
  if (size !== e.size) return false;
  if (e.checksum && hex[0] !== e.checksum.toLowerCase()) return false;
  if (multi && hex[1] !== e.osHashValue!.toLowerCase()) return false;
  return true;
}
