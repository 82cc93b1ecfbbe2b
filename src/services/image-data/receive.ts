import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { DomainError, invalid, tooLarge } from '../../domain/errors.js';
import { FormatInspector } from '../format-inspector.js';
import { captureErrors } from '../../stores/stream-errors.js';
import type { StoreDriver, WriteResult } from '../../stores/store.js';

export interface ReceiveOptions {
  /** Inspect the data against this disk_format (null: staging, inspected at import). */
  diskFormat: string | null;
  requireFormatMatch: boolean;
  hashAlgo: string;
  maxSize: number;
  /** Seconds without a byte before the upload is abandoned. */
  idleTimeout: number;
}

export function assertOctetStream(contentType: string | undefined): void {
  const ct = (contentType ?? '').toLowerCase().split(';')[0].trim();
  if (ct !== 'application/octet-stream') throw new DomainError('UnsupportedMediaType', 'The request must have Content-Type application/octet-stream.');
}

/** The x-openstack-image-size header: the exact size the client promises, or null. */
export function expectedSize(header: string | undefined, maxImageSize: number): number | null {
  if (header === undefined || header === '') return null;
  if (!/^\d+$/.test(header.trim())) throw invalid(`x-openstack-image-size must be a non-negative integer (got ${JSON.stringify(header.slice(0, 40))}).`);
  const n = Number(header);
  if (n > maxImageSize) throw tooLarge(`Image size ${n} exceeds the limit of ${maxImageSize} bytes.`);
  return n;
}

/**
 * Streams a request body into a store, through the format inspector. The request is never
 * destroyed by us (so an error response can still be sent); a client disconnect fails the write.
 */
export async function receive(req: IncomingMessage, store: StoreDriver, imageId: string, o: ReceiveOptions): Promise<{ written: WriteResult; virtualSize: number | null }> {
  const inspector = o.diskFormat ? new FormatInspector(o.diskFormat, { requireFormatMatch: o.requireFormatMatch }) : null;
  const entry = captureErrors(inspector ?? new PassThrough());
  const onAbort = () => entry.stream.destroy(new DomainError('Invalid', 'The client disconnected before the upload completed.'));
  const onClose = () => {
    if (!req.complete) onAbort();
  };
  req.on('aborted', onAbort);
  req.on('error', onAbort);
  req.on('close', onClose);
  req.setTimeout(o.idleTimeout * 1000, () => {
    entry.stream.destroy(new DomainError('Invalid', `No data received for ${o.idleTimeout} s; upload abandoned.`));
    req.destroy();
  });
  req.pipe(entry.stream);
  try {
    const written = await store.write(imageId, entry.stream, { hashAlgo: o.hashAlgo, maxSize: o.maxSize });
    return { written, virtualSize: inspector?.result?.virtualSize ?? null };
  } catch (caught) {
    req.unpipe(entry.stream);
    // The inspector's refusal (415) explains the failure better than the store's premature close.
    const first = entry.error();
    const e = first instanceof DomainError ? first : caught;
    if (e instanceof DomainError) throw new DomainError(e.kind, e.message, { ...e.headers, Connection: 'close' });
    throw e;
  } finally {
    req.setTimeout(0);
    req.off('aborted', onAbort);
    req.off('error', onAbort);
    req.off('close', onClose);
  }
}
