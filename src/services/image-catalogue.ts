import type { Db } from 'mongodb';
import type { Config } from '../config/config.js';
import type { Notifier } from '../notifier/notifier.js';
import { ImagesRepository } from '../repositories/images.js';
import type { ImageAuthorizer } from './image-authz.js';
import { loadImageQuotas } from './image-quotas.js';
import { loadImageSchemas, type ImageSchemas } from './image-schemas.js';
import { ImagesService } from './images.js';
import { MembersService } from './members.js';

/** Builds the image catalogue services (records, members, schemas) and ensures the indexes. */
export async function createImageCatalogue(d: { db: Db; config: Config; authz: ImageAuthorizer; notifier: Notifier }): Promise<{
  images: ImagesService;
  imageMembers: MembersService;
  imageSchemas: ImageSchemas;
}> {
  const repo = new ImagesRepository(d.db);
  await repo.init();
  const quotas = loadImageQuotas(d.config);
  const imageSchemas = loadImageSchemas({ diskFormats: d.config.DISK_FORMATS as string[], containerFormats: d.config.CONTAINER_FORMATS as string[] });
  const images = new ImagesService({
    repo,
    authz: d.authz,
    notifier: d.notifier,
    schemas: imageSchemas,
    quotas,
    limits: { defaultLimit: d.config.LIMIT_PARAM_DEFAULT, maxLimit: d.config.API_LIMIT_MAX },
    importMethods: d.config.IMPORT_METHODS as string[],
    // Multi-store mode: every configured store, as upstream lists its enabled_backends.
    storeIds: (d.config.ENABLED_BACKENDS as string[]).map((b) => b.split(':')[0].trim()).filter(Boolean),
  });
  const imageMembers = new MembersService({ images, authz: d.authz, notifier: d.notifier, quotas });
  return { images, imageMembers, imageSchemas };
}
