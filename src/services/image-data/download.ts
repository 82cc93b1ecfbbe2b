import type { Readable } from 'node:stream';
import type { RequestContext } from '../../authn/context.js';
import { forbidden } from '../../domain/errors.js';
import type { ByteRange, RangeRequest } from '../../stores/store.js';
import type { Notifier } from '../../notifier/notifier.js';
import { imageSendPayload } from '../../notifier/payloads.js';
import type { ImagesService } from '../images.js';
import type { ImageDataReader } from './reader.js';
import { NO_HOOKS, type DataHooks } from '../../metrics/hooks.js';

/** The cache's download hook (src/cache/service.ts). */
export interface DownloadCache {
  serve(
    image: { id: string; status: string; size: number | null; checksum: string | null; os_hash_algo: string | null; os_hash_value: string | null },
    range: ByteRange | undefined,
    open: (range?: ByteRange) => Promise<Readable>,
  ): Promise<{ stream: Readable }>;
}

/** No data (204), or the whole image (200) or a range of it (206) as a stream. */
export type DownloadResult =
  | { status: 204; headers: Record<string, string> }
  | {
      status: 200 | 206;
      headers: Record<string, string>;
      stream: Readable;
      /** Told by the HTTP layer how many bytes of the stream went out once the response is over. */
      sent: (bytes: number) => void;
    };

/** `GET /v2/images/{id}/file`, whole or a range, through the image cache when there is one. */
export class ImageDownload {
  constructor(private readonly d: { images: ImagesService; reader: ImageDataReader; cache: DownloadCache; notifier: Notifier; hooks?: DataHooks }) {}

  async download(ctx: RequestContext, id: string, requested: RangeRequest | undefined, destinationIp: string | null = null): Promise<DownloadResult> {
    const img = await this.d.images.getVisible(ctx, id, 'download_image');
    if (img.status === 'deactivated' && !ctx.isAdmin) throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    if (!img.locations.length || img.size === null) return { status: 204, headers: {} };
    const size = img.size;
    const range = requested?.resolve(size);
    // The bytes come from the cache unless it opens a store (a miss, or no cache).
    let source = 'cache';
    const { stream } = await this.d.cache.serve(
      { id: img._id, status: img.status, size, checksum: img.checksum, os_hash_algo: img.os_hash_algo, os_hash_value: img.os_hash_value },
      range,
      (r) => this.d.reader.open(img, r, (storeId) => (source = storeId)),
    );
    const expected = range ? range.end - range.start + 1 : size;
    // `image.send` once the response is over, as Glance: ERROR when fewer bytes went out than asked for.
    const sent = (bytes: number) => {
      (this.d.hooks ?? NO_HOOKS).dataBytes(source, 'download', bytes);
      const payload = imageSendPayload({ bytesSent: bytes, image: img, receiver: { projectId: ctx.projectId, userId: ctx.userId }, destinationIp });
      if (bytes === expected) this.d.notifier.emit('image.send', payload, ctx);
      else this.d.notifier.error('image.send', payload, ctx);
    };
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    // The whole image's checksum, on partial answers too, as upstream sends it.
    if (img.checksum) headers['Content-MD5'] = img.checksum;
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
      headers['Content-Length'] = String(expected);
      return { status: 206, headers, stream, sent };
    }
    headers['Content-Length'] = String(size);
    return { status: 200, headers, stream, sent };
  }
}
