import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '../log.js';
import type { Notification, Sink } from './notifier.js';
import { osloEnvelope, routingKey } from './oslo.js';
import { DeliveryQueue } from './queue.js';

/**
 * Delivers notifications to RabbitMQ as oslo.messaging's rabbit transport does: a topic
 * exchange (`glance`), routing key `<topic>.<priority>`, and a queue of that name bound to
 * it, declared with the same flags as oslo (non-durable, not auto-deleted) so notifications
 * wait for consumers and an oslo listener can declare the same queue.
 *
 * Publishing goes through a bounded queue (src/notifier/queue.ts) drained in the background
 * over a confirm channel: a batch leaves the queue only once the broker acknowledged every
 * message in it. A lost connection is reopened on the next attempt, with back-off.
 */
export interface AmqpSinkOptions {
  /** `rabbit://user:pass@host:port/vhost` (oslo's transport URL) or `amqp://...`. */
  url: string;
  topics: string[];
  exchange?: string;
  publisherId: string;
  queueMax: number;
  log: Logger;
  /** Milliseconds to wait for connecting and for the broker's confirms. */
  timeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

/** A notification ready for the wire. */
interface Outgoing {
  id: string;
  priority: Notification['priority'];
  body: Buffer;
}

/** oslo's `rabbit://` scheme is AMQP 0-9-1; a vhost path of `/` or nothing is the default vhost. */
export function amqpUrl(transportUrl: string): string {
  const u = new URL(transportUrl.replace(/^rabbit:/, 'amqp:').replace(/^kombu:/, 'amqp:'));
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') throw new Error(`unsupported transport URL scheme ${u.protocol}`);
  if (!u.port) u.port = u.protocol === 'amqps:' ? '5671' : '5672';
  return u.toString();
}

/** The URL with its password replaced, for logs. */
const redacted = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

export function amqpSink(o: AmqpSinkOptions): Sink {
  const exchange = o.exchange ?? 'glance';
  const timeoutMs = o.timeoutMs ?? 10000;
  const url = amqpUrl(o.url);
  let model: ChannelModel | null = null;
  let channel: ConfirmChannel | null = null;
  let opening: Promise<ConfirmChannel> | null = null;
  let closed = false;
  let lastDropWarn = 0;
  let unsendable = 0;

  const withTimeout = <T>(p: Promise<T>, what: string): Promise<T> => {
    let t: NodeJS.Timeout;
    return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer from the broker in ${timeoutMs} ms`)), timeoutMs)))]).finally(() => clearTimeout(t));
  };

  const drop = () => {
    const m = model;
    model = null;
    channel = null;
    m?.close().catch(() => undefined);
  };

  async function open(): Promise<ConfirmChannel> {
    const m = await withTimeout(connect(url, { timeout: timeoutMs }), 'connect');
    m.on('error', (err) => o.log.warn({ err: String(err) }, 'notifications: broker connection error'));
    m.on('close', () => {
      if (model === m) drop();
    });
    try {
      const ch = await m.createConfirmChannel();
      ch.on('error', (err) => o.log.warn({ err: String(err) }, 'notifications: broker channel error'));
      ch.on('close', () => {
        if (channel === ch) drop();
      });
      await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
      for (const topic of o.topics) {
        for (const priority of ['INFO', 'ERROR'] as const) {
          const name = routingKey(topic, { priority });
          await ch.assertQueue(name, { durable: false, autoDelete: false });
          await ch.bindQueue(name, exchange, name);
        }
      }
      model = m;
      channel = ch;
      o.log.info({ url: redacted(url), exchange }, 'notifications: connected to the broker');
      return ch;
    } catch (err) {
      await m.close().catch(() => undefined);
      throw err;
    }
  }

  async function deliver(batch: Outgoing[]): Promise<void> {
    if (closed && !channel) throw new Error('closed');
    const ch = channel ?? (await (opening ??= open().finally(() => (opening = null))));
    for (const m of batch) {
      for (const topic of o.topics) ch.publish(exchange, routingKey(topic, m), m.body, { contentType: 'application/json', contentEncoding: 'utf-8', messageId: m.id });
    }
    try {
      await withTimeout(ch.waitForConfirms(), 'publish');
    } catch (err) {
      // Unconfirmed: start over on a fresh connection (the batch is sent again).
      if (channel === ch) drop();
      throw err;
    }
  }

  const queue = new DeliveryQueue<Outgoing>(deliver, {
    max: o.queueMax,
    batch: 100,
    initialBackoffMs: o.backoff?.initialMs ?? 500,
    maxBackoffMs: o.backoff?.maxMs ?? 30000,
    onDrop: (dropped) => {
      const now = Date.now();
      if (now - lastDropWarn < 10000) return;
      lastDropWarn = now;
      o.log.warn({ dropped, queue_max: o.queueMax }, 'notifications: queue full, notification dropped');
    },
    onRetry: (err, delayMs) => o.log.warn({ err: String(err), retry_in_ms: delayMs }, 'notifications: delivery failed'),
  });

  return {
    send(n) {
      let body: Buffer;
      try {
        body = Buffer.from(osloEnvelope(n, o.publisherId));
      } catch (err) {
        // Serialised here, not in the background: a payload that cannot be sent must not hold up the queue.
        unsendable++;
        o.log.warn({ err: String(err), event_type: n.event_type }, 'notifications: payload cannot be serialised, dropped');
        return;
      }
      queue.push({ id: n.message_id, priority: n.priority, body });
    },
    counters: () => {
      const c = queue.counters();
      return { ...c, dropped: c.dropped + unsendable };
    },
    async close(timeoutMs) {
      await queue.close(timeoutMs);
      closed = true;
      const m = model;
      model = null;
      channel = null;
      await m?.close().catch(() => undefined);
    },
  };
}
