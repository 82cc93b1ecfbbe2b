/**
 * The one canonical form of a UUID identifier (images, tasks): lower-case hex in 8-4-4-4-12.
 * Ids are canonicalised where they enter (create bodies, path parameters, markers), so every
 * record, store object, staging file, cache entry, lease and task names an image one way only:
 * an upper-case spelling can never reach another project's bytes.
 */
const UUID_ANY_CASE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `s` is a UUID in any letter case. */
export const isUuid = (s: string): boolean => UUID_ANY_CASE.test(s);

/** Whether `s` is a UUID in its canonical (lower-case) form. */
export const isCanonicalUuid = (s: string): boolean => UUID_CANONICAL.test(s);

/** The canonical form of a UUID; anything else is returned unchanged (it names nothing). */
export const canonicalId = (s: string): string => (UUID_ANY_CASE.test(s) ? s.toLowerCase() : s);
