import { isoSeconds } from '../domain/time.js';
import { link } from '../domain/links.js';
import type { ImageRecord } from '../repositories/images.js';

/** Properties that are kept on the record but never shown. */
const HIDDEN = (k: string) => k.startsWith('os_glance_stage_host') || k === 'os_glance_hash_op_host';

/**
 * The image's API representation (glance-v2-api.md §3.3): custom properties first, then the
 * base fields, then what the deployment shows of the data: `stores` (multi-store mode) and
 * `direct_url` (SHOW_IMAGE_DIRECT_URL).
 */
export function imageView(o: { multiStore: boolean; showDirectUrl: boolean }): (img: ImageRecord) => Record<string, unknown> {
  return (img) => {
    const view: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(img.properties)) if (!HIDDEN(k)) view[k] = v ?? '';
    Object.assign(view, {
      name: img.name,
      disk_format: img.disk_format,
      container_format: img.container_format,
      visibility: img.visibility,
      size: img.size,
      virtual_size: img.virtual_size,
      status: img.status,
      checksum: img.checksum,
      protected: img.protected,
      min_ram: img.min_ram,
      min_disk: img.min_disk,
      owner: img.owner,
      os_hidden: img.os_hidden,
      os_hash_algo: img.os_hash_algo,
      os_hash_value: img.os_hash_value,
      id: img._id,
      created_at: isoSeconds(img.created_at),
      updated_at: isoSeconds(img.updated_at),
      tags: [...img.tags],
      self: link('v2', 'images', img._id),
      file: link('v2', 'images', img._id, 'file'),
      schema: '/v2/schemas/image',
    });
    if (o.multiStore) {
      const ids = img.locations.map((l) => l.metadata?.store).filter((x): x is string => typeof x === 'string');
      if (ids.length) view.stores = [...new Set(ids)].join(',');
    }
    if (o.showDirectUrl && img.locations.length) view.direct_url = img.locations[0].url;
    return view;
  };
}
