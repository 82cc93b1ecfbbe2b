import type { Config } from '../config/config.js';
import type { RequestContext } from '../authn/context.js';
import type { Notifier } from '../notifier/notifier.js';
import type { ImageRecord, ImagesRepository } from '../repositories/images.js';
import type { ImageAuthorizer } from './image-authz.js';
import { loadImageQuotas, type ImageQuotas } from './image-quotas.js';
import { loadImageSchemas, type ImageSchemas } from './image-schemas.js';
import { ImagesService } from './images.js';
import { MembersService } from './members.js';
import { ImageTagsService } from './image-tags.js';

/** Builds the image catalogue services (records, members, tags, schemas, quotas). */
export function createImageCatalogue(d: {
  repo: ImagesRepository;
  config: Config;
  authz: ImageAuthorizer;
  notifier: Notifier;
  view: (img: ImageRecord) => Record<string, unknown>;
  propertyCheck: (ctx: RequestContext, props: Record<string, unknown>) => Promise<void>;
  removeData: (img: ImageRecord) => Promise<void>;
  guardRemoval?: (img: ImageRecord) => Promise<() => Promise<void>>;
  removeCopies: (img: ImageRecord) => Promise<void>;
}): {
  images: ImagesService;
  imageMembers: MembersService;
  imageTags: ImageTagsService;
  imageSchemas: ImageSchemas;
  imageQuotas: ImageQuotas;
} {
  const imageQuotas = loadImageQuotas(d.config);
  const imageSchemas = loadImageSchemas({ diskFormats: d.config.DISK_FORMATS as string[], containerFormats: d.config.CONTAINER_FORMATS as string[] });
  const images = new ImagesService({
    repo: d.repo,
    authz: d.authz,
    notifier: d.notifier,
    schemas: imageSchemas,
    quotas: imageQuotas,
    limits: { defaultLimit: d.config.LIMIT_PARAM_DEFAULT, maxLimit: d.config.API_LIMIT_MAX },
    importMethods: d.config.IMPORT_METHODS as string[],
    view: d.view,
    propertyCheck: d.propertyCheck,
    removeData: d.removeData,
    guardRemoval: d.guardRemoval,
    delayedDelete: d.config.DELAYED_DELETE ? { removeCopies: d.removeCopies } : undefined,
    // Multi-store mode: every configured store, as upstream lists its enabled_backends.
    storeIds: (d.config.ENABLED_BACKENDS as string[]).map((b) => b.split(':')[0].trim()).filter(Boolean),
  });
  const imageMembers = new MembersService({ images, authz: d.authz, notifier: d.notifier, quotas: imageQuotas });
  const imageTags = new ImageTagsService({ images, repo: d.repo, quotas: imageQuotas, notifier: d.notifier });
  return { images, imageMembers, imageTags, imageSchemas, imageQuotas };
}
