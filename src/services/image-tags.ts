import type { RequestContext } from '../authn/context.js';
import { invalid, notFound } from '../domain/errors.js';
import type { Notifier } from '../notifier/notifier.js';
import { imagePayload } from '../notifier/payloads.js';
import type { ImagesRepository } from '../repositories/images.js';
import type { ImageQuotas } from './image-quotas.js';
import { assertStorable, type ImagesService } from './images.js';

/** Image tags (`PUT`/`DELETE /v2/images/{id}/tags/{tag}`): each change is a checked update of the record, announced as `image.update`. */
export class ImageTagsService {
  constructor(private readonly d: { images: ImagesService; repo: ImagesRepository; quotas: ImageQuotas; notifier: Notifier }) {}

  async add(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const current = await this.d.images.getWritable(ctx, id, 'modify_image', 'You are not permitted to modify this image.');
    if (tag.length > 255) throw invalid('Invalid tag: longer than 255 characters.');
    assertStorable('tag', tag);
    const img = await this.d.repo.mutate(id, (cur) => {
      if (cur.tags.includes(tag)) return null;
      this.d.quotas.check(cur.owner, 'tags', cur.tags.length + 1);
      return { tags: [...cur.tags, tag] };
    }, { from: current });
    this.d.notifier.emit('image.update', imagePayload(img), ctx);
  }

  async delete(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const current = await this.d.images.getWritable(ctx, id, 'modify_image', 'You are not permitted to modify this image.');
    const img = await this.d.repo.mutate(id, (cur) => {
      if (!cur.tags.includes(tag)) throw notFound(`Tag ${tag} not found on image ${id}.`);
      return { tags: cur.tags.filter((t) => t !== tag) };
    }, { from: current });
    this.d.notifier.emit('image.update', imagePayload(img), ctx);
  }
}
