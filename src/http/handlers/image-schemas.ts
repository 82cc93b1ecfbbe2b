import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';

/** /v2/schemas/image(s) and /v2/schemas/member(s), from schemas/ with the configured formats (§2.4). */
export function imageSchemaHandlers(s: Services): Handlers<'getImageSchema' | 'getImagesSchema' | 'getMemberSchema' | 'getMembersSchema'> {
  const sc = s.imageSchemas;
  return {
    getImageSchema: () => ({ status: 200, body: sc.image }),
    getImagesSchema: () => ({ status: 200, body: sc.images }),
    getMemberSchema: () => ({ status: 200, body: sc.member }),
    getMembersSchema: () => ({ status: 200, body: sc.members }),
  };
}
