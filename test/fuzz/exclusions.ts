import type { Operation } from './requests.js';
import type { Pools } from './seed.js';
import type { Sent } from './target.js';

/**
 * Input classes the lane does not send, each naming the open defect it would hit. Remove an
 * entry when its fix lands; the lane must then stay green without it. None today.
 */
export function excluded(_op: Operation, _r: Sent, _pools: Pools): string | undefined {
  return undefined;
}
