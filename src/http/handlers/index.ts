import type { Services } from '../../app.js';
import type { Handlers, OperationId } from '../types.js';
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
export function allHandlers(s: Services): Partial<Handlers<OperationId>> {
  const groups: Partial<Handlers<OperationId>>[] = [
    systemHandlers({ features: s.features, readiness: s.readiness }),
    discoveryHandlers(s),
    cacheHandlers(s),
    validationHandlers(s),
    imageHandlers(s),
    imageMemberHandlers(s),
    imageSchemaHandlers(s),
    metadefHandlers(s),
    imageDataHandlers(s),
    taskHandlers(s),
  ];
  const all: Partial<Handlers<OperationId>> = {};
  for (const g of groups) {
    for (const id of Object.keys(g)) if (id in all) throw new Error(`two handlers for operation ${id}`);
    Object.assign(all, g);
  }
  return all;
}
