import { hostname } from 'node:os';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import { amqpSink } from './amqp.js';
import { createNotifier, logSink, noopSink, type Notifier, type Sink } from './notifier.js';

/** The notifier the settings ask for (NOTIFICATION_DRIVER, NOTIFICATION_TRANSPORT_URL, ...). */
export function notifierFromConfig(config: Config, log: Logger): Notifier {
  const driver = config.NOTIFICATION_DRIVER ?? (config.NOTIFICATION_TRANSPORT_URL ? 'messagingv2' : 'log');
  let sink: Sink;
  if (driver === 'noop') sink = noopSink();
  else if (driver === 'messagingv2') {
    sink = amqpSink({
      url: config.NOTIFICATION_TRANSPORT_URL!,
      topics: config.NOTIFICATION_TOPICS,
      publisherId: `image.${hostname()}`,
      queueMax: config.NOTIFICATION_QUEUE_MAX,
      log,
    });
  } else sink = logSink(log);
  return createNotifier(sink, config.DISABLED_NOTIFICATIONS, log);
}
