import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';

/** Image sharing (§2.3). */
export function imageMemberHandlers(s: Services): Handlers<'listImageMembers' | 'createImageMember' | 'showImageMember' | 'updateImageMember' | 'deleteImageMember'> {
  const members = s.imageMembers;
  return {
    listImageMembers: async ({ ctx, params }) => ({ status: 200, body: await members.list(ctx, params.image_id) }),
    createImageMember: async ({ ctx, params, body }) => ({ status: 200, body: await members.add(ctx, params.image_id, body.member) }),
    showImageMember: async ({ ctx, params }) => ({ status: 200, body: await members.show(ctx, params.image_id, params.member_id) }),
    updateImageMember: async ({ ctx, params, body }) => ({ status: 200, body: await members.update(ctx, params.image_id, params.member_id, body.status) }),
    deleteImageMember: async ({ ctx, params }) => {
      await members.delete(ctx, params.image_id, params.member_id);
      return { status: 204 };
    },
  };
}
