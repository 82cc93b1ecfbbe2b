import { DomainError, invalid } from '../domain/errors.js';
import type { RangeRequest } from '../stores/store.js';

const unsatisfiable = (message: string, size: number) => new DomainError('RangeNotSatisfiable', message, { 'Content-Range': `bytes */${size}` });

/**
 * The requested byte range of a download (`Range: bytes=a-b`, `bytes=-n`, or the legacy
 * `Content-Range` on a GET). `resolve` answers the range to send, or throws 416 with
 * `Content-Range: bytes *\/<size>`.
 */
export function parseRange(rangeHeader: string | undefined, contentRange: string | undefined): RangeRequest | undefined {
  if (rangeHeader !== undefined) {
    const v = rangeHeader.trim();
    if (v.includes(',')) throw invalid('Multiple ranges are not supported.');
    const m = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i.exec(v);
    return {
      resolve(size) {
        if (!m || (m[1] === '' && m[2] === '')) throw unsatisfiable(`Range ${JSON.stringify(v.slice(0, 60))} is not satisfiable.`, size);
        let start: number;
        let end: number;
        if (m[1] === '') {
          const n = Number(m[2]);
          if (n === 0) throw unsatisfiable('An empty suffix range is not satisfiable.', size);
          start = Math.max(size - n, 0);
          end = size - 1;
        } else {
          start = Number(m[1]);
          end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
          if (m[2] !== '' && Number(m[2]) < start) throw unsatisfiable('Range end is before its start.', size);
        }
        if (start >= size) throw unsatisfiable(`Range start ${start} is beyond the image size ${size}.`, size);
        return { start, end };
      },
    };
  }
  if (contentRange !== undefined) {
    const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(contentRange.trim());
    return {
      resolve(size) {
        if (!m) throw new DomainError('RangeNotSatisfiable', 'Content-Range is not satisfiable.');
        const start = Number(m[1]);
        const end = Math.min(Number(m[2]), size - 1);
        if (start >= size || Number(m[2]) < start) throw unsatisfiable('Content-Range is not satisfiable.', size);
        return { start, end };
      },
    };
  }
  return undefined;
}
