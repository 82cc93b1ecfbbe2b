/**
 * Start-up reconciliation: a process owns its cache directory, so every incomplete fill and
 * every file the index does not vouch for (unknown, wrong size, not an image id) is removed.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { isCanonicalUuid } from '../domain/ids.js';
import { readIndex } from './index-file.js';
import type { CacheLedger } from './ledger.js';

/** Loads the index into `ledger`, keeping only copies found intact on disk; returns how many files were removed. */
export async function reconcile(dir: string, incompleteDir: string, ledger: CacheLedger, log: Logger): Promise<number> {
  await mkdir(dir, { recursive: true });
  // Fills a previous process left behind are never resumed.
  await rm(incompleteDir, { recursive: true, force: true });
  await mkdir(incompleteDir, { recursive: true });
  const { data, problem } = await readIndex(dir);
  if (problem) log.warn({ problem }, 'cache index unreadable: starting empty');
  const known = new Map(data.entries.map((e) => [e.id, e]));
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (name === 'incomplete' || name === 'index.json') continue;
    const e = known.get(name);
    const p = join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (e && isCanonicalUuid(name) && st?.isFile() && st.size === e.size) {
      ledger.put(e);
    } else {
      await rm(p, { recursive: true, force: true });
      removed++;
    }
  }
  for (const id of data.queued) if (isCanonicalUuid(id)) ledger.addQueued(id);
  return removed;
}
