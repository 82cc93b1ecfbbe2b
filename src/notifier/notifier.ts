import type { Logger } from '../log.js';
import type { RequestContext } from '../authn/context.js';

/**
 * Notifications with Glance's event names (`image.create`, `image.update`, `image.upload`,
 * `image.activate`, `image.delete`, `image.member.create`, `metadef_namespace.create`, ...),
 * so existing event consumers recognise them. The default sink writes them to the log.
 */
export interface Notifier {
  emit(event: string, payload: Record<string, unknown>, ctx?: RequestContext): void;
}

export function logNotifier(log: Logger): Notifier {
  return {
    emit(event, payload, ctx) {
      log.info({ event_type: event, payload, request_id: ctx?.requestId, project_id: ctx?.projectId, user_id: ctx?.userId }, 'notification');
    },
  };
}
