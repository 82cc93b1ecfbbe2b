/**
 * Domain errors. Services throw these; `http/errors.ts` is the only place that
 * turns them into HTTP status codes.
 */
export type DomainErrorKind =
  | 'Invalid' // 400
  | 'Unauthenticated' // 401
  | 'Forbidden' // 403
  | 'NotFound' // 404
  | 'MethodNotAllowed' // 405
  | 'Conflict' // 409
  | 'Gone' // 410
  | 'TooLarge' // 413 (size caps, quotas)
  | 'UnsupportedMediaType' // 415
  | 'RangeNotSatisfiable' // 416
  | 'HeaderTooLarge' // 431
  | 'NotImplemented' // 501
  | 'Unavailable'; // 503

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  /** Extra response headers (e.g. Allow, Accept-Patch, WWW-Authenticate). */
  readonly headers: Record<string, string>;
  constructor(kind: DomainErrorKind, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = `${kind}Error`;
    this.kind = kind;
    this.headers = headers;
  }
}

export const invalid = (msg: string) => new DomainError('Invalid', msg);
export const forbidden = (msg: string) => new DomainError('Forbidden', msg);
export const notFound = (msg: string) => new DomainError('NotFound', msg);
/** Glance's words for an image that does not exist or that the caller may not see. */
export const imageNotFoundMessage = (id: string) => `No image found with ID ${id}`;
export const conflict = (msg: string) => new DomainError('Conflict', msg);
export const tooLarge = (msg: string) => new DomainError('TooLarge', msg);
export const unavailable = (msg: string) => new DomainError('Unavailable', msg);

/**
 * A version-checked write found the record at another version: a concurrent writer won.
 * A 409 like any Conflict; read-modify-write loops catch exactly this class to retry.
 */
export class VersionConflictError extends DomainError {
  constructor(message: string) {
    super('Conflict', message);
  }
}
