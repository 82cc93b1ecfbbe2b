/**
 * What the rest of the service tells the metrics: plain callbacks, so no component depends on
 * prom-client or reaches for a global registry. src/app.ts passes these to the components that
 * record; `NO_HOOKS` is what they use when metrics are off (and in unit tests).
 */
export type TokenOutcome = 'valid' | 'invalid' | 'unavailable';
export type DataDirection = 'upload' | 'download';

export interface AuthnHooks {
  /** A credential was checked (a cache hit counts too): its outcome. */
  tokenValidated(mode: string, outcome: TokenOutcome): void;
  /** A credential was answered from the verified-token cache, without a signature check or an identity-service call. */
  tokenCacheHit(mode: string): void;
}

export interface AuthzHooks {
  /** A policy rule refused a request (answered 403 or 404). */
  policyDenied(rule: string): void;
}

export interface DataHooks {
  /** Image bytes written to (`upload`) or sent from (`download`) a store; `cache` for the image cache. */
  dataBytes(store: string, direction: DataDirection, bytes: number): void;
}

export interface ScrubHooks {
  /** An image's data was scrubbed (`scrubbed`) or could not be (`failed`). */
  scrubbed(outcome: 'scrubbed' | 'failed'): void;
}

export type Hooks = AuthnHooks & AuthzHooks & DataHooks & ScrubHooks;

const noop = (): void => undefined;

export const NO_HOOKS: Hooks = Object.freeze({ tokenValidated: noop, tokenCacheHit: noop, policyDenied: noop, dataBytes: noop, scrubbed: noop });
