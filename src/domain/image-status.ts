import { DomainError } from './errors.js';

/** Image statuses (glance-v2-api.md §4). */
export const IMAGE_STATUSES = ['queued', 'saving', 'uploading', 'importing', 'active', 'deactivated', 'killed', 'pending_delete', 'deleted'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** The allowed transitions, exactly as upstream's domain model (§4). */
export const TRANSITIONS: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  deactivated: ['active', 'deleted'],
  pending_delete: ['deleted', 'active'],
  killed: ['deleted'],
  deleted: [],
};

/** Statuses never shown in lists (§1.8, §7.18). */
export const UNLISTED_STATUSES: readonly ImageStatus[] = ['killed', 'deleted', 'pending_delete'];

export function isImageStatus(s: unknown): s is ImageStatus {
  return typeof s === 'string' && (IMAGE_STATUSES as readonly string[]).includes(s);
}

export function canTransition(from: ImageStatus, to: ImageStatus): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

/**
 * Throws unless `from → to` is allowed. Upstream raises InvalidImageStatusTransition, which the
 * API reports as 400 for deletes and 409 for data operations; callers pick with `kind`.
 * Leaving queued/uploading for saving/importing/active needs both formats set (400).
 */
export function assertTransition(
  from: ImageStatus,
  to: ImageStatus,
  opts: { kind?: 'Invalid' | 'Conflict' | 'Forbidden'; image?: { disk_format?: string | null; container_format?: string | null } } = {},
): void {
  if (!canTransition(from, to)) {
    throw new DomainError(opts.kind ?? 'Conflict', `Image status transition from ${from} to ${to} is not allowed.`);
  }
  if (opts.image && (from === 'queued' || from === 'uploading') && (to === 'saving' || to === 'importing' || to === 'active')) {
    if (!opts.image.disk_format || !opts.image.container_format) {
      throw new DomainError('Invalid', 'Properties disk_format and container_format must be set prior to saving data.');
    }
  }
}

/** What an image without data holds (back to `queued`: an interrupted or refused transfer). */
export const NO_DATA = Object.freeze({ size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, locations: [] as never[] });

/**
 * The one way a service changes an image's status: checks `from → to` against the machine and
 * returns the status change to save. `kind` is the error when it is not allowed (409 for data
 * paths, 400 for deletes).
 */
export function transition(
  from: ImageStatus,
  to: ImageStatus,
  opts: { kind?: 'Invalid' | 'Conflict' | 'Forbidden'; image?: { disk_format?: string | null; container_format?: string | null } } = {},
): { status: ImageStatus } {
  assertTransition(from, to, opts);
  return { status: to };
}
