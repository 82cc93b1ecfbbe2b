import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';
import { link } from '../../domain/links.js';

/** Image records: create, show, list, PATCH, delete, deactivate/reactivate, tags (§2.1). */
export function imageHandlers(s: Services): Handlers<
  'listImages' | 'createImage' | 'showImage' | 'updateImage' | 'deleteImage' | 'deactivateImage' | 'reactivateImage' | 'addImageTag' | 'deleteImageTag'
> {
  const images = s.images;
  return {
    listImages: async ({ ctx, rawQuery }) => {
      const page = await images.list(ctx, rawQuery);
      return { status: 200, body: { ...page, images: page.images.map((i) => images.render(i, ctx)) } };
    },
    createImage: async ({ ctx, body, baseUrl }) => {
      const { image, headers } = await images.create(ctx, body);
      return { status: 201, headers: { ...headers, Location: baseUrl + link('v2', 'images', image._id) }, body: images.render(image, ctx) };
    },
    showImage: async ({ ctx, params }) => ({ status: 200, body: images.render(await images.show(ctx, params.image_id), ctx) }),
    updateImage: async ({ ctx, params, headers, body }) => ({
      status: 200,
      body: images.render(await images.update(ctx, params.image_id, headers['content-type'], body), ctx),
    }),
    deleteImage: async ({ ctx, params }) => {
      await images.delete(ctx, params.image_id);
      return { status: 204 };
    },
    deactivateImage: async ({ ctx, params }) => {
      await images.deactivate(ctx, params.image_id);
      return { status: 204 };
    },
    reactivateImage: async ({ ctx, params }) => {
      await images.reactivate(ctx, params.image_id);
      return { status: 204 };
    },
    addImageTag: async ({ ctx, params }) => {
      await s.imageTags.add(ctx, params.image_id, params.tag);
      return { status: 204 };
    },
    deleteImageTag: async ({ ctx, params }) => {
      await s.imageTags.delete(ctx, params.image_id, params.tag);
      return { status: 204 };
    },
  };
}
