import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';
import type { ImportBody } from '../../services/image-data.js';

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export function imageDataHandlers(
  s: Services,
): Handlers<'uploadImageData' | 'downloadImageData' | 'stageImageData' | 'importImage' | 'addImageLocation' | 'listImageLocations' | 'listImageTasks' | 'deleteImageFromStore' | 'listStores' | 'listStoresDetail' | 'getUsage'> {
  const d = () => s.imageData;
  return {
    uploadImageData: async (c) => {
      await d().upload(c.ctx, c.params.image_id, c.req, {
        contentType: header(c.headers, 'content-type'),
        size: header(c.headers, 'x-openstack-image-size'),
        store: header(c.headers, 'x-image-meta-store'),
      });
      return { status: 204 };
    },
    downloadImageData: async (c) => {
      const r = await d().download(c.ctx, c.params.image_id, { range: header(c.headers, 'range'), contentRange: header(c.headers, 'content-range') });
      return { status: r.status, headers: r.headers, stream: r.stream };
    },
    stageImageData: async (c) => {
      await d().stage(c.ctx, c.params.image_id, c.req, { contentType: header(c.headers, 'content-type'), size: header(c.headers, 'x-openstack-image-size') });
      return { status: 204 };
    },
    importImage: async (c) => {
      await d().importImage(c.ctx, c.params.image_id, c.body as unknown as ImportBody, header(c.headers, 'x-image-meta-store'));
      return { status: 202 };
    },
    addImageLocation: async (c) => {
      await d().addLocation(c.ctx, c.params.image_id, c.body as never);
      return { status: 202 };
    },
    listImageLocations: async (c) => ({ status: 200, body: await d().listLocations(c.ctx, c.params.image_id) }),
    listImageTasks: async (c) => ({ status: 200, body: { tasks: await d().imageTasks(c.ctx, c.params.image_id) } }),
    deleteImageFromStore: async (c) => {
      await d().deleteFromStore(c.ctx, c.params.store_id, c.params.image_id);
      return { status: 204 };
    },
    listStores: (c) => ({ status: 200, body: { stores: d().storesInfo(c.ctx, false) } }),
    listStoresDetail: (c) => ({ status: 200, body: { stores: d().storesInfo(c.ctx, true) } }),
    getUsage: async (c) => ({ status: 200, body: { usage: await d().usage(c.ctx) } }),
  };
}
