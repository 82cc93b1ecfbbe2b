import type { Logger } from 'pino';
import { DomainError, type DomainErrorKind } from '../domain/errors.js';

/** The only mapping from domain errors to HTTP. */
export const STATUS: Record<DomainErrorKind, number> = {
  Invalid: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  Gone: 410,
  TooLarge: 413,
  UnsupportedMediaType: 415,
  RangeNotSatisfiable: 416,
  HeaderTooLarge: 431,
  NotImplemented: 501,
  Unavailable: 503,
};

export const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Request Range Not Satisfiable', // upstream's (WebOb's) wording
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** An error to send: the body is rendered at send time, in the format the request accepts. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  message: string;
  requestId?: string;
}

export function errorResponse(status: number, message: string, requestId?: string, headers: Record<string, string> = {}): ErrorResponse {
  return { status, headers, message, ...(requestId ? { requestId } : {}) };
}

/** Maps anything thrown to a response. Unknown errors become a 500 that leaks nothing. */
export function toErrorResponse(err: unknown, requestId: string, log: Logger): ErrorResponse {
  if (err instanceof DomainError) {
    const status = STATUS[err.kind];
    return errorResponse(status, err.message, requestId, err.headers);
  }
  const mongoCode = (err as { code?: unknown })?.code;
  if (mongoCode === 11000) {
    return errorResponse(409, 'A resource with the same identity already exists.', requestId);
  }
  const status = (err as { status?: unknown; type?: unknown })?.status;
  // body-parser errors carry a 4xx status and a safe type
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (err as { type?: string }).type;
    const message =
      type === 'entity.parse.failed'
        ? 'Malformed JSON in request body.'
        : type === 'entity.too.large'
          ? 'Request body is too large.'
          : type === 'encoding.unsupported' || type === 'charset.unsupported'
            ? 'Unsupported request body encoding.'
            : 'The request could not be understood.';
    return errorResponse(status, message, requestId);
  }
  log.error({ err, request_id: requestId }, 'internal error');
  return errorResponse(500, 'The server has either erred or is incapable of performing the requested operation.', requestId);
}
