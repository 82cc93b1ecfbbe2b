import type { ImageChanges } from '../../repositories/images.js';
import type { WriteResult } from '../../stores/store.js';

/** The image fields a completed write fills: size and digests as measured, and the inspected virtual size. */
export function dataFields(w: WriteResult, virtualSize: number | null): ImageChanges {
  return { size: w.size, checksum: w.checksum, os_hash_algo: w.os_hash_algo, os_hash_value: w.os_hash_value, virtual_size: virtualSize };
}
