import type { Response } from 'express';
import { pipeline } from 'node:stream';
import type { Result } from './types.js';
import type { ErrorResponse } from './errors.js';

/** The only writer of responses. */
export function send(res: Response, result: Result): void {
  if (result.headers) for (const [k, v] of Object.entries(result.headers)) res.setHeader(k, v);
  res.status(result.status);
  if (result.status === 204 || result.status === 304 || (result.body === undefined && !result.stream)) {
    if (result.stream) result.stream.destroy();
    if (result.status !== 204 && result.status !== 304 && !res.hasHeader('content-length')) res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  if (result.stream) {
    if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/octet-stream');
    pipeline(result.stream, res, (err) => {
      // A failed store read after the headers went out can only be signalled by cutting the connection.
      if (err && !res.writableEnded) res.destroy(err);
    });
    return;
  }
  const text = JSON.stringify(result.body);
  res.setHeader('Content-Type', 'application/json; charset=UTF-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendError(res: Response, e: ErrorResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(res, { status: e.status, headers: e.headers, body: e.body });
}
