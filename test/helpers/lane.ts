import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/db/embedded.js';

/**
 * The frame of a lane that runs real parts: the embedded store is started when TEST_MONGODB_URI
 * does not name one, and `stop` (the lane's own parts), then the store, are stopped once the body
 * ends, whatever happened, or on SIGINT/SIGTERM (exit 130): a part in a process group of its own
 * is not reached by the terminal's signal.
 */
export async function inLane<T>(stop: () => Promise<unknown>, body: () => Promise<T>): Promise<T> {
  let mongo: EmbeddedMongo | undefined;
  const stopAll = async () => {
    await stop().catch(() => undefined);
    await mongo?.stop().catch(() => undefined);
  };
  const onSignal = () => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!process.env.TEST_MONGODB_URI) {
      mongo = await startEmbeddedMongo();
      process.env.TEST_MONGODB_URI = mongo.uri;
    }
    return await body();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopAll();
  }
}
