/**
 * Metadata definition corpus commands (like upstream `glance-manage db_load_metadefs`,
 * `db_export_metadefs`, `db_unload_metadefs`), against MONGODB_URI / MONGODB_DB:
 *
 *   npm run metadefs -- load DIR [--merge [--prefer-new | --overwrite]]
 *   npm run metadefs -- export DIR
 *   npm run metadefs -- unload
 *   npm run metadefs -- import-nova [--nova-python PATH] [--out DIR]
 *   npm run metadefs -- drift [--resource-type OS::Nova::Flavor] [--nova-python PATH] [--dir DIR ...] [--format json]
 *
 * `import-nova` and `drift` need no database: see scripts/nova/cli.ts.
 * `load` validates every file first and loads nothing when one is malformed (exit 1).
 */
import { loadConfig, ConfigError } from '../src/config/config.js';
import { createLogger } from '../src/log.js';
import { connectMongo } from '../src/db/mongo.js';
import { createAuthorizer } from '../src/authz/index.js';
import { logNotifier } from '../src/notifier/notifier.js';
import { MetadefService, CorpusError } from '../src/services/metadefs/index.js';

const USAGE = `usage: npm run metadefs -- load DIR [--merge [--prefer-new | --overwrite]]
       npm run metadefs -- export DIR
       npm run metadefs -- unload
       npm run metadefs -- import-nova [--nova-python PATH] [--out DIR]
       npm run metadefs -- drift [--resource-type RT] [--nova-python PATH] [--dir DIR ...] [--format json]`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
if (args[0] === 'import-nova' || args[0] === 'drift') {
  const { runNovaCommand } = await import('./nova/cli.js');
  process.exit(await runNovaCommand(args[0], args.slice(1), USAGE));
}
const flags = new Set(args.filter((a) => a.startsWith('--')));
const [command, dir, ...extra] = args.filter((a) => !a.startsWith('--'));
for (const f of flags) if (!['--merge', '--prefer-new', '--overwrite'].includes(f)) fail(`unknown option ${f}\n${USAGE}`);
if (extra.length) fail(USAGE);
if (command === 'load' || command === 'export') {
  if (!dir) fail(USAGE);
} else if (command === 'unload') {
  if (dir) fail(USAGE);
} else fail(USAGE);
if ((flags.has('--prefer-new') || flags.has('--overwrite')) && !flags.has('--merge')) fail('--prefer-new and --overwrite only apply with --merge');
if (flags.has('--prefer-new') && flags.has('--overwrite')) fail('choose one of --prefer-new and --overwrite');
if (command !== 'load' && flags.size) fail(`options apply to load only\n${USAGE}`);

let config;
try {
  config = loadConfig();
} catch (e) {
  fail((e as ConfigError).message);
}
if (!config.MONGODB_URI) fail('MONGODB_URI is not set: the corpus commands work on a MongoDB database (the embedded store loads etc/metadefs by itself).');
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const mongo = await connectMongo(config.MONGODB_URI, config.MONGODB_DB, log);
const service = new MetadefService({ db: mongo.db, authz: createAuthorizer({ policyFile: config.POLICY_FILE }), notifier: logNotifier(log), config });
const say = (line: string) => process.stdout.write(`${line}\n`);
let code = 0;
try {
  await service.init();
  if (command === 'load') {
    const r = await service.loadCorpus(dir!, { merge: flags.has('--merge'), preferNew: flags.has('--prefer-new'), overwrite: flags.has('--overwrite'), progress: say });
    say(`loaded ${r.files} files: ${r.created} created, ${r.merged} merged, ${r.skipped} skipped`);
  } else if (command === 'export') {
    const n = await service.exportCorpus(dir!, say);
    say(`exported ${n} namespaces to ${dir}`);
  } else {
    const n = await service.unloadCorpus();
    say(`removed ${n} namespaces and their objects, properties, tags and resource type associations`);
  }
} catch (e) {
  if (e instanceof CorpusError) {
    process.stderr.write(`${e.message}\n`);
    code = 1;
  } else throw e;
} finally {
  await mongo.close();
}
process.exit(code);
