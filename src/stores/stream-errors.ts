import type { Stream } from 'node:stream';

/**
 * Handles a stream's errors from the moment it exists. A stream handed on across an `await`
 * (to a store that opens its file first, say) can fail before its consumer attaches: a short
 * body ends and the format inspector refuses it in `_flush`. An `error` event with no listener
 * ends the process, so every stream on the data path is passed through here when created; the
 * first error is kept so the caller can report it rather than a later "premature close".
 */
export function captureErrors<T extends Stream>(stream: T): { stream: T; error(): Error | undefined } {
  let first: Error | undefined;
  stream.on('error', (e: Error) => {
    first ??= e;
  });
  return { stream, error: () => first };
}
