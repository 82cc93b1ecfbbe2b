import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';
import { storesInfo } from '../../services/image-data/store-info.js';
import { parseRange } from '../range.js';

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export function imageDataHandlers(
  s: Services,
): Handlers<'uploadImageData' | 'downloadImageData' | 'stageImageData' | 'importImage' | 'addImageLocation' | 'listImageLocations' | 'listImageTasks' | 'deleteImageFromStore' | 'listStores' | 'listStoresDetail' | 'getUsage'> {
  return {
    uploadImageData: async (c) => {
      await s.imageUpload.upload(c.ctx, c.params.image_id, c.req, {
        contentType: header(c.headers, 'content-type'),
        size: header(c.headers, 'x-openstack-image-size'),
        store: header(c.headers, 'x-image-meta-store'),
      });
      return { status: 204 };
    },
    downloadImageData: async (c) => {
      const range = parseRange(header(c.headers, 'range'), header(c.headers, 'content-range'));
      const r = await s.imageDownload.download(c.ctx, c.params.image_id, range, c.req.socket.remoteAddress ?? null);
      return r.status === 204 ? r : { status: r.status, headers: r.headers, stream: r.stream, sent: r.sent };
    },
    stageImageData: async (c) => {
      await s.imageUpload.stage(c.ctx, c.params.image_id, c.req, { contentType: header(c.headers, 'content-type'), size: header(c.headers, 'x-openstack-image-size') });
      return { status: 204 };
    },
    importImage: async (c) => {
      await s.imageImport.importImage(c.ctx, c.params.image_id, c.body, header(c.headers, 'x-image-meta-store'));
      return { status: 202 };
    },
    addImageLocation: async (c) => {
      await s.imageLocations.add(c.ctx, c.params.image_id, c.body);
      return { status: 202 };
    },
    listImageLocations: async (c) => ({ status: 200, body: await s.imageLocations.list(c.ctx, c.params.image_id) }),
    listImageTasks: async (c) => ({ status: 200, body: { tasks: await s.tasks.forImage(c.ctx, c.params.image_id) } }),
    deleteImageFromStore: async (c) => {
      await s.imageLocations.deleteFromStore(c.ctx, c.params.store_id, c.params.image_id);
      return { status: 204 };
    },
    listStores: (c) => ({ status: 200, body: { stores: storesInfo(s.stores, s.authz, c.ctx, false) } }),
    listStoresDetail: (c) => ({ status: 200, body: { stores: storesInfo(s.stores, s.authz, c.ctx, true) } }),
    getUsage: async (c) => ({ status: 200, body: { usage: await s.storageQuotas.usage(c.ctx) } }),
  };
}
