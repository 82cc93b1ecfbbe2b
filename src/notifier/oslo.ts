import type { Notification } from './notifier.js';

/**
 * oslo.messaging's wire format for notifications (the `messagingv2` driver over the rabbit
 * transport), so an oslo.messaging notification listener decodes them as Glance's own.
 */

/** `2026-12-06 14:33:14.123456`: Python's `str(datetime.utcnow())` (always with microseconds). */
export function osloTimestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000`;
}

/** The inner message, with the request context as oslo packs it (`_context_*` keys). */
export function osloMessage(n: Notification, publisherId: string): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    message_id: n.message_id,
    publisher_id: publisherId,
    event_type: n.event_type,
    priority: n.priority,
    payload: n.payload,
    timestamp: osloTimestamp(n.timestamp),
    // Lets consumers that de-duplicate (oslo's message id cache) drop a redelivered copy.
    _unique_id: n.message_id.replace(/-/g, ''),
  };
  for (const [k, v] of Object.entries(n.context)) if (v !== undefined && v !== null) msg[`_context_${k}`] = v;
  return msg;
}

/** The messagingv2 envelope: the message as JSON text inside a versioned JSON object. */
export function osloEnvelope(n: Notification, publisherId: string): string {
  return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(osloMessage(n, publisherId)) });
}

/** Routing key of a notification on one topic: `<topic>.info`, `<topic>.error`. */
export const routingKey = (topic: string, n: Pick<Notification, 'priority'>): string => `${topic}.${n.priority.toLowerCase()}`;
