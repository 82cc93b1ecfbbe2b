import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * Every setting of the service, declared once. Values come from the environment, or from
 * the optional CONFIG_FILE (YAML or JSON, keys are the same names); the environment wins.
 * `loadConfig` validates everything and throws a ConfigError naming the first bad setting.
 * The README's configuration table lists every entry here (a test checks it).
 */
type Kind = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'url';

interface Setting<T> {
  kind: Kind;
  default: T;
  description: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

const s = <T>(kind: Kind, def: T, description: string, extra: Partial<Setting<T>> = {}): Setting<T> => ({
  kind,
  default: def,
  description,
  ...extra,
});

export const SETTINGS = {
  HOST: s('string', '127.0.0.1', 'Address to listen on.'),
  PORT: s('int', 9292, 'TCP port to listen on (0 = any free port).', { min: 0, max: 65535 }),
  PUBLIC_ENDPOINT: s<string | null>('url', null, 'Public base URL used in the versions document and Location headers (default: from the request).'),
  MONGODB_URI: s<string | null>('string', null, 'MongoDB connection string. Unset: an embedded, ephemeral in-memory server is started.'),
  MONGODB_DB: s('string', 'glance', 'Database name.'),
  MONGODB_SERIALIZE: s<'auto' | 'on' | 'off'>('enum', 'auto', 'Send every MongoDB command over one connection, so concurrent compare-and-set writes stay atomic on a store that is only atomic per connection: auto (on for the embedded store and any server reporting itself as jongodb, off otherwise), on, or off.', {
    values: ['auto', 'on', 'off'],
  }),
  LOG_LEVEL: s('enum', 'info', 'Log level.', { values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
  CONFIG_FILE: s<string | null>('string', null, 'Optional YAML/JSON file with any of these settings (environment wins).'),
  NODE_ENV: s('enum', 'production', 'Set to "development" or "test" to validate every response against the OpenAPI document.', {
    values: ['production', 'development', 'test'],
  }),
  MAX_JSON_BODY: s('int', 1048576, 'Largest accepted JSON request body, in bytes (413 beyond).', { min: 1024 }),
  WORKERS: s<number | null>('int', null, 'API worker processes sharing the port (node cluster; a supervising primary restarts them and drains them on SIGTERM). Unset: one per CPU. 1: a single process, no cluster.', { min: 1, max: 256 }),
  SHUTDOWN_TIMEOUT: s('int', 10000, 'Milliseconds to wait for in-flight requests on SIGTERM before closing.', { min: 0 }),
  LIMIT_PARAM_DEFAULT: s('int', 25, 'Default page size of collection lists.', { min: 1 }),
  API_LIMIT_MAX: s('int', 1000, 'Largest page size of collection lists (larger limits are capped).', { min: 1 }),
  DISK_FORMATS: s('list', ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'], 'Allowed image disk_format values (also the enum of /v2/schemas/image).'),
  CONTAINER_FORMATS: s('list', ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'], 'Allowed image container_format values (also the enum of /v2/schemas/image).'),
  IMAGE_COUNT_QUOTA: s('int', -1, 'Per-project number of images (not deleted) a project may own (-1 unlimited; 413 beyond).', { min: -1 }),
  IMAGE_PROPERTY_QUOTA: s('int', 128, 'Custom properties per image (-1 unlimited; 413 beyond).', { min: -1 }),
  IMAGE_TAG_QUOTA: s('int', 128, 'Tags per image (-1 unlimited; 413 beyond).', { min: -1 }),
  IMAGE_MEMBER_QUOTA: s('int', 128, 'Members per image (-1 unlimited; 413 beyond).', { min: -1 }),
  IMAGE_LOCATION_QUOTA: s('int', 10, 'Locations per image (-1 unlimited; 413 beyond).', { min: -1 }),
  PROJECT_QUOTAS_FILE: s<string | null>('string', null, 'YAML/JSON file of per-project overrides of the image quotas: `{"<project id>": {"image_count": 10, "properties": 20, "tags": 5, "members": 3, "locations": 2}}`.'),
  IMPORT_METHODS: s('list', ['glance-direct', 'web-download', 'copy-image'], 'Enabled interoperable import methods.', {
    values: ['glance-direct', 'web-download', 'copy-image', 'glance-download'],
  }),
  DATA_DIR: s('string', './data', 'Directory for local state: the generated development signing key, the default file store.'),
  IMAGE_CACHE_ENABLED: s<boolean | null>('bool', null, 'Local read-through image cache and the /v2/cache API. Unset: on in the zero-config start (MONGODB_URI unset), else off.'),
  IMAGE_CACHE_DIR: s<string | null>('string', null, 'Directory of the image cache (default: DATA_DIR/image-cache). One service process per directory.'),
  IMAGE_CACHE_MAX_SIZE: s('int', 10737418240, 'Largest total size of cached image data in bytes; least-recently-used copies are evicted beyond it.', { min: 1 }),
  IMAGE_CACHE_PREFETCH_CONCURRENCY: s('int', 2, 'Images the prefetcher fetches at once.', { min: 1, max: 64 }),
  IMAGE_CACHE_PREFETCH_RETRIES: s('int', 3, 'Retries of a failed prefetch (exponential back-off) before the image is dropped from the queue.', { min: 0 }),
  IMAGE_CACHE_PREFETCH_BACKOFF: s('int', 1000, 'Milliseconds before the first prefetch retry (doubled each time).', { min: 0 }),
  AUTH_MODE: s('enum', 'jwt', 'How callers are identified: jwt, keystone or trusted-proxy.', { values: ['jwt', 'keystone', 'trusted-proxy'] }),
  ALLOW_ANONYMOUS_ACCESS: s('bool', false, 'AUTH_MODE=trusted-proxy: a request without `X-Identity-Status: Confirmed` gets a read-only anonymous context instead of 401 (upstream `allow_anonymous_access`).'),
  JWT_PUBLIC_KEY_FILE: s<string | null>('string', null, 'PEM (SPKI) public key or JWK/JWKS file that signs accepted JWTs. With neither this nor JWT_JWKS_URL, a key pair is generated under DATA_DIR (development).'),
  JWT_JWKS_URL: s<string | null>('url', null, 'JWKS endpoint with the keys that sign accepted JWTs.'),
  JWT_ISSUER: s('string', 'glance-ts-dev', 'Required `iss` claim of accepted JWTs.'),
  JWT_AUDIENCE: s('string', 'image', 'Required `aud` claim of accepted JWTs.'),
  JWT_ALGORITHMS: s('list', ['RS256', 'ES256', 'EdDSA', 'PS256'], 'Accepted JWT signature algorithms (asymmetric only).', {
    values: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
  }),
  JWT_PROJECT_CLAIM: s('string', 'project_id', 'JWT claim holding the project id.'),
  JWT_ROLES_CLAIM: s('string', 'roles', 'JWT claim holding the role names (array or comma-separated string).'),
  JWT_USER_CLAIM: s('string', 'sub', 'JWT claim holding the user id.'),
  UPLOAD_IDLE_TIMEOUT: s('int', 120, 'Seconds an upload or stage may go without receiving a byte before it is abandoned (the image returns to queued).', { min: 1 }),
  REQUIRE_IMAGE_FORMAT_MATCH: s('bool', true, 'Refuse image data whose content is not the declared disk_format (415), as Glance 2024.2+. With false, a mismatch is accepted as before 2024.2, but content recognised as a format is still held to that format\'s safety checks (backing files, external data files, extents).'),
  SHOW_IMAGE_DIRECT_URL: s('bool', false, 'Show `direct_url` (the first location) in image responses.'),
  POLICY_FILE: s<string | null>('string', null, 'oslo.policy YAML/JSON file overriding the default rules of policies/defaults.yaml (e.g. `"publicize_image": "role:admin or role:member"`); an unknown rule name or bad syntax stops the service.'),
  PROPERTY_PROTECTION_FILE: s<string | null>('string', null, 'Glance property protection file (INI): sections named by regular expressions over custom property names (first match in file order decides), keys `create`, `read`, `update`, `delete` saying who may; a property no section matches is refused. Unreadable properties are left out of responses, a refused write is 403. A bad file stops the service with the line and reason. Unset: no protections.'),
  PROPERTY_PROTECTION_RULE_FORMAT: s<'roles' | 'policies'>('enum', 'roles', 'What PROPERTY_PROTECTION_FILE values hold: roles (comma-separated role names, `@` anyone, `!` no one) or policies (one policy rule name per operation, from policies/defaults.yaml or POLICY_FILE).', { values: ['roles', 'policies'] }),
  ENABLED_BACKENDS: s('list', [] as string[], 'Image stores as comma-separated `id:type` (types: file, gridfs, http, swift, s3, rbd), e.g. `fast:file,obj:swift,s3:s3` or `fast:file,ceph:rbd`. Unset: one file store `file` and no multi-store API.'),
  DEFAULT_BACKEND: s<string | null>('string', null, 'Store id that receives uploads without a store header (default: the first writable one of ENABLED_BACKENDS).'),
  STORE_OPTIONS: s<string | null>('string', null, 'Per-store options as JSON: `{"<id>": {"description": "...", "weight": 0, ...}}` plus, per type, file: `data_dir` (default DATA_DIR/stores/<id>); gridfs: `bucket` (default store_<id>), `chunk_size`; swift and s3: the keys listed in the README (Stores), secrets directly or from `*_file`; rbd: `rbd_store_pool`, `rbd_store_user`, `rbd_store_ceph_conf`, `rbd_store_chunk_size` (MiB), `rbd_thin_provisioning` and `rados_connect_timeout` (seconds).'),
  STAGING_DIR: s<string | null>('string', null, 'Directory of the import staging area (default: DATA_DIR/staging).'),
  HASHING_ALGORITHM: s('enum', 'sha512', 'Algorithm of os_hash_value.', { values: ['sha512', 'sha384', 'sha256', 'sha1', 'md5'] }),
  MAX_IMAGE_SIZE: s('int', 1099511627776, 'Largest image accepted on upload, stage or import, in bytes (413 beyond).', { min: 1 }),
  HTTP_ALLOWED_HOSTS: s('list', [] as string[], 'Host names, addresses or CIDRs that http locations and web-download may reach although not public (loopback, private, link-local... are refused otherwise).'),
  HTTP_TIMEOUT: s('int', 30000, 'Milliseconds to wait for a remote server (connect, headers, and each read) for http stores and web-download.', { min: 100 }),
  HTTP_MAX_REDIRECTS: s('int', 5, 'Redirects followed by http stores and web-download (each target re-checked).', { min: 0, max: 20 }),
  USE_QUOTAS: s('bool', false, 'Enforce per-project storage quotas (image_size_total, image_stage_total, image_count_uploading) and report them at /v2/info/usage.'),
  QUOTA_IMAGE_SIZE_TOTAL: s('int', -1, 'Per-project total size of active images in MiB (-1 unlimited).', { min: -1 }),
  QUOTA_IMAGE_STAGE_TOTAL: s('int', -1, 'Per-project total size of staged data in MiB (-1 unlimited).', { min: -1 }),
  QUOTA_IMAGE_COUNT_UPLOADING: s('int', -1, 'Per-project number of images being uploaded/staged/imported at once (-1 unlimited).', { min: -1 }),
  UPLOAD_STALE_AFTER: s('int', 3600, 'Seconds after which an image left in saving/importing with no live upload on this server is reset to queued and its partial bytes removed (sweeper; also at start-up).', { min: 10 }),
  KEYSTONE_URL: s<string | null>('url', null, 'Keystone v3 endpoint that validates tokens in AUTH_MODE=keystone (e.g. http://127.0.0.1:5000/v3).'),
  KEYSTONE_USERNAME: s<string | null>('string', null, 'User this service authenticates as to validate tokens (AUTH_MODE=keystone).'),
  KEYSTONE_PASSWORD: s<string | null>('string', null, "Password of KEYSTONE_USERNAME (AUTH_MODE=keystone)."),
  KEYSTONE_PROJECT: s<string | null>('string', null, "Project (name) of the service's own token (AUTH_MODE=keystone)."),
  KEYSTONE_USER_DOMAIN: s('string', 'Default', 'Domain name of KEYSTONE_USERNAME.'),
  KEYSTONE_PROJECT_DOMAIN: s('string', 'Default', 'Domain name of KEYSTONE_PROJECT.'),
  KEYSTONE_CACHE_SIZE: s('int', 10000, 'Validated Keystone tokens kept in memory (LRU; 0 = no cache).', { min: 0 }),
  KEYSTONE_CACHE_TTL: s('int', 60, 'Seconds a validated Keystone token is trusted before it is validated again (never beyond its expiry; bounds how long a revoked token keeps working; 0 = validate every request).', { min: 0 }),
  KEYSTONE_TIMEOUT: s('int', 5000, 'Milliseconds to wait for Keystone before answering 503.', { min: 100 }),
  PROPERTY_ENFORCEMENT: s('enum', 'off', 'Check image properties against the metadata definitions the caller may see for OS::Glance::Image on create and update: off, warn (log violations) or strict (400 listing every violation; unknown properties pass).', { values: ['off', 'warn', 'strict'] }),
  VALIDATION_MAX_PROPERTIES: s('int', 512, 'Most properties in one map sent to the property validation endpoint (413 beyond).', { min: 1 }),
  VALIDATION_MAX_VALUE_LENGTH: s('int', 65535, 'Longest property value (or list item) the property validation endpoint accepts (400 beyond).', { min: 1 }),
  VALIDATION_MAX_BATCH: s('int', 100, 'Most property maps in one batch validation call (413 beyond).', { min: 1 }),
  METADEFS_AUTOLOAD_DIR: s<string | null>('string', null, 'Directories of metadef namespace JSON files loaded at start, separated by ":" (existing namespaces are kept). Unset: etc/metadefs (the 33 standard namespaces) and etc/metadefs-nova (derived from Nova\'s extra-spec validators) when MONGODB_URI is unset, else nothing.'),
  METADEF_CACHE_CHECK_MS: s('int', 1000, 'Milliseconds a process serves metadefs (reads and property validation) from memory before checking the catalogue version stamp in MongoDB again (writes by this process are seen at once; 0 checks on every call).', { min: 0 }),
  NOTIFICATION_DRIVER: s<string | null>('enum', null, 'Where notifications go: log (one log line each), noop (nowhere), or messagingv2 (RabbitMQ at NOTIFICATION_TRANSPORT_URL in oslo.messaging\'s format). Unset: messagingv2 when NOTIFICATION_TRANSPORT_URL is set, else log.', { values: ['log', 'noop', 'messagingv2'] }),
  NOTIFICATION_TRANSPORT_URL: s<string | null>('string', null, 'oslo.messaging transport URL of the broker, `rabbit://user:pass@host:5672/vhost` (also amqp:// or amqps://).'),
  NOTIFICATION_TOPICS: s('list', ['notifications'], 'Topics notifications are published on (routing keys `<topic>.info` and `<topic>.error` on the exchange `glance`).'),
  DISABLED_NOTIFICATIONS: s('list', [] as string[], 'Notifications not sent: event types (`image.send`) or whole groups (`image`, `image.member`, `task`, `metadef_tag`, ...).'),
  NOTIFICATION_QUEUE_MAX: s('int', 10000, 'Notifications held in memory while the broker is slow or down; beyond this new ones are dropped, counted and logged.', { min: 1 }),
  METRICS_ENABLED: s('bool', true, 'Prometheus metrics at GET /metrics (text format, no token needed: see README, "Metrics").'),
  METRICS_PORT: s<number | null>('int', null, 'Serve /metrics on a listener of its own on 127.0.0.1 at this port instead of the API port (0 = any free port). Unset: /metrics is on the API port.', { min: 0, max: 65535 }),
  DELAYED_DELETE: s('bool', false, 'Deleting an image with data marks it pending_delete (hidden, data kept) until the scrubber removes the data after SCRUB_TIME seconds, as upstream `delayed_delete`; `npm run scrubber -- --restore ID` brings it back.'),
  SCRUB_TIME: s('int', 0, 'Seconds a pending_delete image keeps its data before the scrubber may remove it (upstream `scrub_time`).', { min: 0 }),
  SCRUB_POOL_SIZE: s('int', 1, 'Images the scrubber scrubs at once (upstream `scrub_pool_size`).', { min: 1, max: 64 }),
  SCRUB_INTERVAL: s('int', 300, 'Seconds between the in-process scrubber passes when DELAYED_DELETE is on (upstream `wakeup_time`); 0 = no in-process scrubber (run `npm run scrubber` instead).', { min: 0 }),
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;
export type Config = { [K in SettingName]: (typeof SETTINGS)[K]['default'] };

export class ConfigError extends Error {}

function coerce(name: string, def: Setting<unknown>, raw: unknown): unknown {
  const bad = (why: string) => new ConfigError(`Invalid configuration: ${name} ${why} (got ${JSON.stringify(raw)})`);
  if (raw === null || raw === undefined || raw === '') return def.default;
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (def.kind) {
    case 'string':
      if (typeof text !== 'string') throw bad('must be a string');
      return text;
    case 'url': {
      if (typeof text !== 'string') throw bad('must be a URL');
      try {
        const u = new URL(text);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      } catch {
        throw bad('must be an http(s) URL');
      }
      return text.replace(/\/+$/, '');
    }
    case 'int': {
      const n = typeof text === 'number' ? text : /^-?\d+$/.test(String(text)) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) throw bad('must be an integer');
      if (def.min !== undefined && n < def.min) throw bad(`must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) throw bad(`must be at most ${def.max}`);
      return n;
    }
    case 'bool': {
      if (typeof text === 'boolean') return text;
      const v = String(text).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw bad('must be true or false');
    }
    case 'enum': {
      const v = String(text);
      if (!def.values!.includes(v)) throw bad(`must be one of ${def.values!.join(', ')}`);
      return v;
    }
    case 'list': {
      const items = Array.isArray(text) ? text.map(String) : String(text).split(',');
      const list = items.map((x) => x.trim()).filter(Boolean);
      if (def.values) for (const v of list) if (!def.values.includes(v)) throw bad(`items must be among ${def.values.join(', ')}`);
      return list;
    }
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let file: Record<string, unknown> = {};
  const path = env.CONFIG_FILE;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`Invalid configuration: CONFIG_FILE cannot be read (${(e as Error).message})`);
    }
    try {
      file = (parseYaml(text) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`Invalid configuration: CONFIG_FILE is not valid YAML/JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (typeof file !== 'object' || Array.isArray(file)) throw new ConfigError('Invalid configuration: CONFIG_FILE must hold a mapping of setting names to values');
    for (const key of Object.keys(file)) {
      if (!(key in SETTINGS)) throw new ConfigError(`Invalid configuration: CONFIG_FILE names an unknown setting ${key}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const raw = env[name] !== undefined ? env[name] : file[name];
    out[name] = coerce(name, def, raw);
  }
  if (out.AUTH_MODE === 'keystone') {
    for (const name of ['KEYSTONE_URL', 'KEYSTONE_USERNAME', 'KEYSTONE_PASSWORD', 'KEYSTONE_PROJECT']) {
      if (out[name] === null) throw new ConfigError(`Invalid configuration: ${name} is required when AUTH_MODE=keystone`);
    }
  }
  if (out.NOTIFICATION_TRANSPORT_URL !== null && !/^(rabbit|kombu|amqps?):\/\/[^/\s]/.test(out.NOTIFICATION_TRANSPORT_URL as string)) {
    throw new ConfigError('Invalid configuration: NOTIFICATION_TRANSPORT_URL must be a rabbit:// (or amqp://, amqps://) URL');
  }
  if (out.NOTIFICATION_DRIVER === 'messagingv2' && out.NOTIFICATION_TRANSPORT_URL === null) {
    throw new ConfigError('Invalid configuration: NOTIFICATION_TRANSPORT_URL is required when NOTIFICATION_DRIVER=messagingv2');
  }
  return out as Config;
}
