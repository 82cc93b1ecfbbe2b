import type { CommandFailedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import type { Metrics } from './metrics.js';

/**
 * MongoDB command latency from the driver's command monitoring events (the client must be
 * created with `monitorCommands: true`, see connectMongo). Labelled by command name only.
 * Returns the function that stops listening.
 */
export function monitorMongo(client: MongoClient, metrics: Pick<Metrics, 'mongoCommand'>): () => void {
  const succeeded = (e: CommandSucceededEvent) => metrics.mongoCommand(e.commandName, e.duration / 1000, false);
  const failed = (e: CommandFailedEvent) => metrics.mongoCommand(e.commandName, e.duration / 1000, true);
  client.on('commandSucceeded', succeeded);
  client.on('commandFailed', failed);
  return () => {
    client.off('commandSucceeded', succeeded);
    client.off('commandFailed', failed);
  };
}
