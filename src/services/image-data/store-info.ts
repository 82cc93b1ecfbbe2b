import type { RequestContext } from '../../authn/context.js';
import { forbidden, notFound } from '../../domain/errors.js';
import type { StoreRegistry } from '../../stores/registry.js';
import type { ImageAuthorizer } from '../image-authz.js';
import type { components } from '../../generated/openapi.js';

type StoreInfo = components['schemas']['StoreInfo'];
type StoreInfoDetail = components['schemas']['StoreInfoDetail'];

/** `GET /v2/info/stores` and `/v2/info/stores/detail` (multi-store mode only). */
export function storesInfo(stores: StoreRegistry, authz: ImageAuthorizer, ctx: RequestContext, detail: false): StoreInfo[];
export function storesInfo(stores: StoreRegistry, authz: ImageAuthorizer, ctx: RequestContext, detail: true): StoreInfoDetail[];
export function storesInfo(stores: StoreRegistry, authz: ImageAuthorizer, ctx: RequestContext, detail: boolean): StoreInfo[] | StoreInfoDetail[] {
  if (!stores.multiStore) throw notFound('Multi backend is not supported at this site.');
  if (detail && !authz.can(ctx, 'stores_info_detail', 'Global')) {
    authz.denied?.('stores_info_detail');
    throw forbidden('You are not authorized to complete stores_info_detail action.');
  }
  return [...stores.stores.values()].map((s) => ({
    id: s.id,
    ...(s.description ? { description: s.description } : {}),
    ...(s.id === stores.defaultId ? { default: 'true' as const } : {}),
    ...(s.readOnly ? { 'read-only': 'true' as const } : {}),
    ...(detail ? { type: s.type, weight: s.weight, properties: s.properties() } : {}),
  }));
}
