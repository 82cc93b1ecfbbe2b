import type { Services } from '../../app.js';
import type { Handler, OperationId } from '../types.js';
import { systemHandlers } from './system.js';
import { discoveryHandlers } from './discovery.js';
import { cacheHandlers } from './cache.js';
import { validationHandlers } from './validation.js';
import { imageHandlers } from './images.js';
import { imageMemberHandlers } from './image-members.js';
import { imageSchemaHandlers } from './image-schemas.js';
import { metadefHandlers } from './metadefs.js';
import { imageDataHandlers } from './image-data.js';
import { taskHandlers } from './tasks.js';

/** Every operation handler, keyed by operationId. One module per tag. */
export function allHandlers(s: Services): Partial<Record<OperationId, Handler<never>>> {
  const groups: Record<string, Handler<never>>[] = [
    systemHandlers({ features: s.features, readiness: s.readiness }) as never,
    discoveryHandlers(s) as never,
    cacheHandlers(s) as never,
    validationHandlers(s) as never,
    imageHandlers(s) as never,
    imageMemberHandlers(s) as never,
    imageSchemaHandlers(s) as never,
    metadefHandlers(s) as never,
    imageDataHandlers(s) as never,
    taskHandlers(s) as never,
  ];
  const all: Record<string, Handler<never>> = {};
  for (const g of groups) {
    for (const [id, h] of Object.entries(g)) {
      if (id in all) throw new Error(`two handlers for operation ${id}`);
      all[id] = h;
    }
  }
  return all;
}
