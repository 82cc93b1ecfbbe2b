import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';

/** Cache management (§2.6). The service checks policy first, then whether caching is enabled. */
export function cacheHandlers(s: Services): Handlers<'listCachedImages' | 'clearCache' | 'cleanCache' | 'pruneCache' | 'queueImageForCache' | 'deleteCachedImage'> {
  return {
    listCachedImages: async (c) => ({ status: 200, body: await s.imageCache.list(c.ctx) }),
    clearCache: async (c) => {
      const h = c.headers['x-image-cache-clear-target'];
      await s.imageCache.clear(c.ctx, Array.isArray(h) ? h.join(',') : h);
      return { status: 204 };
    },
    cleanCache: async (c) => {
      await s.imageCache.clean(c.ctx);
      return { status: 200 };
    },
    pruneCache: async (c) => ({ status: 200, body: await s.imageCache.prune(c.ctx) }),
    queueImageForCache: async (c) => {
      await s.imageCache.queue(c.ctx, c.params.image_id);
      return { status: 202 };
    },
    deleteCachedImage: async (c) => {
      await s.imageCache.remove(c.ctx, c.params.image_id);
      return { status: 204 };
    },
  };
}
