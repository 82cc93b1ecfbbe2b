import type { Response } from 'express';
import type { Result } from './types.js';
import { errorResponse, STATUS, type ErrorResponse } from './errors.js';
import { renderError } from './error-format.js';
import { DomainError } from '../domain/errors.js';
import { FileRangeStream } from '../stores/file-stream.js';

/** The only writer of responses. */
export function send(res: Response, result: Result): void {
  if (result.headers) for (const [k, v] of Object.entries(result.headers)) res.setHeader(k, v);
  res.status(result.status);
  if (result.status === 204 || result.status === 304 || (result.body === undefined && result.json === undefined && !result.stream)) {
    if (result.stream) result.stream.destroy();
    if (result.status !== 204 && result.status !== 304 && !res.hasHeader('content-length')) res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  if (result.stream) {
    const stream = result.stream;
    if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/octet-stream');
    // Not stream.pipeline: it would destroy the response on a read error, and a store that
    // fails before the first byte deserves a real error response rather than a reset.
    const failed = (err: unknown) => {
      stream.unpipe(res);
      if (res.headersSent) {
        res.destroy(err as Error); // mid-body: only cutting the connection tells the client
        return;
      }
      for (const h of ['content-length', 'content-type', 'content-md5', 'content-range', 'accept-ranges']) res.removeHeader(h);
      const status = err instanceof DomainError ? STATUS[err.kind] : 503;
      const message = err instanceof DomainError ? err.message : 'The image data could not be read from its store.';
      sendError(res, errorResponse(status, message, res.getHeader('x-openstack-request-id') as string | undefined));
    };
    // A stream can fail before it gets here (its errors were captured where it was opened).
    if (stream.errored) return failed(stream.errored);
    stream.once('error', failed);
    const pump = stream instanceof FileRangeStream && stream.pumpable;
    const counted = result.sent ? countBytes(stream, pump) : undefined;
    res.once('close', () => {
      if (!res.writableFinished) stream.destroy(); // the client went away: stop reading the store
      // What was read but still sits in the response's buffer never reached the client.
      if (counted) result.sent!(Math.max(0, counted() - (res.writableFinished ? 0 : res.writableLength)));
    });
    // A file range is sent from two reused buffers (no allocation per chunk); anything else is piped.
    if (pump) stream.pumpTo(res);
    else stream.pipe(res);
    return;
  }
  const text = result.json ?? JSON.stringify(result.body);
  res.setHeader('Content-Type', 'application/json; charset=UTF-8');
  res.setHeader('Content-Length', typeof text === 'string' ? Buffer.byteLength(text) : text.length);
  res.end(text);
}

/** Bytes the stream has handed on so far (without taking a pumpable file stream off its fast path). */
function countBytes(stream: NonNullable<Result['stream']>, pump: boolean): () => number {
  if (pump) return () => (stream as FileRangeStream).sent;
  let n = 0;
  stream.on('data', (chunk: Buffer) => (n += chunk.length));
  return () => n;
}

export function sendError(res: Response, e: ErrorResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { contentType, text } = renderError(e.status, e.message, e.requestId, res.req?.headers.accept);
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
