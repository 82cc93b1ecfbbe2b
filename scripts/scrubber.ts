/**
 * The scrubber of delayed delete (DELAYED_DELETE), like upstream's `glance-scrubber`, against
 * MONGODB_URI / MONGODB_DB and the stores of the same settings as the service:
 *
 *   npm run scrubber                  one pass: removes the data of every pending_delete image
 *                                     deleted at least SCRUB_TIME seconds ago (SCRUB_POOL_SIZE at once)
 *   npm run scrubber -- --restore ID  brings the pending_delete image ID back to active, data intact
 *
 * Safe to run while the service (and its in-process scrubber) runs: an image is taken on with a
 * version-checked write before any byte is deleted. Exit 0 on success, 1 when an image could not
 * be scrubbed or restored, 2 on bad usage or settings.
 */
import { loadConfig, type Config, type ConfigError } from '../src/config/config.js';
import { createLogger } from '../src/log.js';
import { connectMongo } from '../src/db/mongo.js';
import { DomainError } from '../src/domain/errors.js';
import { canonicalId, isUuid } from '../src/domain/ids.js';
import { ImagesRepository } from '../src/repositories/images.js';
import { StoreRegistry } from '../src/stores/registry.js';
import { imageLocationsRemoval } from '../src/services/image-data/removal.js';
import { Scrubber } from '../src/services/image-data/scrubber.js';

const USAGE = `usage: npm run scrubber [-- --restore IMAGE_ID]`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
let restore: string | undefined;
if (args.length === 2 && args[0] === '--restore') restore = args[1];
else if (args.length === 1 && args[0].startsWith('--restore=')) restore = args[0].slice('--restore='.length);
else if (args.length) fail(USAGE);
if (restore !== undefined && !isUuid(restore)) fail(`--restore needs an image id (a UUID), got ${JSON.stringify(restore.slice(0, 80))}`);

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  fail((e as ConfigError).message);
}
if (!config.MONGODB_URI) fail('MONGODB_URI is not set: the scrubber works on the MongoDB database of a running service (the embedded store lives inside the service process).');
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const mongo = await connectMongo(config.MONGODB_URI, config.MONGODB_DB, log, { serialize: config.MONGODB_SERIALIZE });
const say = (line: string) => process.stdout.write(`${line}\n`);
let code = 0;
try {
  const repo = new ImagesRepository(mongo.db);
  const stores = new StoreRegistry(config, mongo.db);
  // The service dropped staged and cached copies at delete time; only the stores are left.
  const scrubber = new Scrubber({ repo, removeLocations: imageLocationsRemoval({ stores, evict: async () => undefined, log }), scrubTime: config.SCRUB_TIME, poolSize: config.SCRUB_POOL_SIZE, log });
  if (restore !== undefined) {
    const img = await scrubber.restore(canonicalId(restore));
    say(`restored image ${img._id}: ${img.status}`);
  } else {
    const r = await scrubber.runOnce();
    for (const id of r.scrubbed) say(`scrubbed ${id}`);
    for (const id of r.failed) say(`FAILED ${id} (left pending_delete)`);
    say(`scrubber: ${r.scrubbed.length} scrubbed, ${r.failed.length} failed`);
    if (r.failed.length) code = 1;
  }
} catch (e) {
  if (!(e instanceof DomainError)) throw e;
  process.stderr.write(`${e.message}\n`);
  code = 1;
} finally {
  await mongo.close();
}
process.exit(code);
