/** `YYYY-MM-DDThh:mm:ssZ`: timestamps as Glance's API shows them (glance-v2-api.md §1.10). */
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const isoSecondsOrNull = (d: Date | null | undefined): string | null => (d ? isoSeconds(d) : null);

/** The current time to the whole second: what Glance stores for members and metadefs, so a stored time renders as it was written. */
export const secondsNow = (): Date => new Date(Math.floor(Date.now() / 1000) * 1000);
