/**
 * The cache's persistent index: one small JSON document (`<dir>/index.json`) with the
 * per-image bookkeeping (size, hits, times, the digests the copy was verified against) and
 * the prefetch queue. Written atomically (temporary file + rename), so a crash leaves either
 * the old or the new index, never a torn one.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface Entry {
  id: string;
  size: number;
  hits: number;
  /** Epoch milliseconds. */
  lastAccessed: number;
  /** Epoch milliseconds: when the copy was written. */
  lastModified: number;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
}

export interface IndexData {
  entries: Entry[];
  queued: string[];
}

const INDEX = 'index.json';

function isEntry(x: unknown): x is Entry {
  const e = x as Entry;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    Number.isSafeInteger(e.size) &&
    Number.isSafeInteger(e.hits) &&
    typeof e.lastAccessed === 'number' &&
    typeof e.lastModified === 'number'
  );
}

/** The stored index; an unreadable or malformed one counts as empty (the files are then orphans). */
export async function readIndex(dir: string): Promise<{ data: IndexData; problem?: string }> {
  let text: string;
  try {
    text = await readFile(join(dir, INDEX), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { data: { entries: [], queued: [] } };
    return { data: { entries: [], queued: [] }, problem: (e as Error).message };
  }
  try {
    const raw = JSON.parse(text) as { version?: number; entries?: unknown[]; queued?: unknown[] };
    if (raw.version !== 1 || !Array.isArray(raw.entries)) throw new Error('unknown index format');
    return {
      data: {
        entries: raw.entries.filter(isEntry),
        queued: Array.isArray(raw.queued) ? raw.queued.filter((q): q is string => typeof q === 'string') : [],
      },
    };
  } catch (e) {
    return { data: { entries: [], queued: [] }, problem: (e as Error).message };
  }
}

export async function writeIndex(dir: string, data: IndexData): Promise<void> {
  const tmp = join(dir, `.${INDEX}.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, JSON.stringify({ version: 1, entries: data.entries, queued: data.queued }));
  await rename(tmp, join(dir, INDEX));
}
