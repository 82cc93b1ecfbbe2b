import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { RequestContext } from '../authn/context.js';

/**
 * Notifications with Glance's event names and payloads (src/notifier/payloads.ts), so the
 * consumers of Glance's notifications (Ceilometer, indexers, audit) recognise them.
 * Services call `emit` (INFO) or `error` (ERROR) once a change is committed; a sink delivers
 * them. Emitting never blocks, throws or fails the request that caused it.
 */
export type Priority = 'INFO' | 'ERROR';

export interface Notification {
  message_id: string;
  event_type: string;
  priority: Priority;
  payload: unknown;
  timestamp: Date;
  /** Who caused it, for the message context (`_context_*`) and the log. */
  context: { request_id?: string; user_id?: string | null; project_id?: string | null };
}

/** Delivery counters since start: waiting in the queue, delivered, dropped (queue full), failed attempts. */
export interface DeliveryCounters {
  queued: number;
  sent: number;
  dropped: number;
  failed: number;
}

export interface Sink {
  send(n: Notification): void;
  counters(): DeliveryCounters;
  /** Delivers what is still queued, for at most `timeoutMs`, then stops. */
  close(timeoutMs?: number): Promise<void>;
}

export interface Notifier {
  /** An INFO notification. */
  emit(event: string, payload: unknown, ctx?: RequestContext): void;
  /** An ERROR notification (same event type, as Glance sends failed uploads and short downloads). */
  error(event: string, payload: unknown, ctx?: RequestContext): void;
  counters(): DeliveryCounters;
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Glance's `disabled_notifications`: an entry is an event type (`image.send`) or a group
 * (`image`, `metadef_tag`, also `image.member`), which disables every event under it.
 */
export function isEnabled(event: string, disabled: readonly string[]): boolean {
  return !disabled.some((d) => event === d || event.startsWith(`${d}.`));
}

export function createNotifier(sink: Sink, disabled: readonly string[] = [], log?: Logger): Notifier {
  const send = (priority: Priority, event: string, payload: unknown, ctx?: RequestContext) => {
    if (!isEnabled(event, disabled)) return;
    try {
      sink.send({
        message_id: randomUUID(),
        event_type: event,
        priority,
        payload,
        timestamp: new Date(),
        context: ctx ? { request_id: ctx.requestId, user_id: ctx.userId, project_id: ctx.projectId } : {},
      });
    } catch (err) {
      // A notification is never worth a failed request.
      log?.warn({ err, event_type: event }, 'notification not sent');
    }
  };
  return {
    emit: (event, payload, ctx) => send('INFO', event, payload, ctx),
    error: (event, payload, ctx) => send('ERROR', event, payload, ctx),
    counters: () => sink.counters(),
    close: (timeoutMs) => sink.close(timeoutMs),
  };
}

function countingSink(write: (n: Notification) => void): Sink {
  let sent = 0;
  return {
    send(n) {
      write(n);
      sent++;
    },
    counters: () => ({ queued: 0, sent, dropped: 0, failed: 0 }),
    close: async () => undefined,
  };
}

/** Today's behaviour: one log line per notification. */
export function logSink(log: Logger): Sink {
  return countingSink((n) =>
    log.info({ event_type: n.event_type, priority: n.priority, payload: n.payload, request_id: n.context.request_id, project_id: n.context.project_id, user_id: n.context.user_id }, 'notification'),
  );
}

export function noopSink(): Sink {
  return countingSink(() => undefined);
}

/** The log sink, for callers that build a notifier by hand (tests, scripts). */
export function logNotifier(log: Logger): Notifier {
  return createNotifier(logSink(log), [], log);
}
