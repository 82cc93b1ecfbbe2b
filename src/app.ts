import express, { type Request, type Response, type NextFunction } from 'express';
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Config } from './config/config.js';
import type { Logger } from './log.js';
import type { Mongo } from './db/mongo.js';
import { createAuthenticator, type Authenticator } from './authn/authenticate.js';
import { createAuthorizer, loadPolicies, type Authorizer } from './authz/index.js';
import { checkProtectionPolicies, loadProtections, protectionPolicyRules } from './authz/protections/load.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { cacheSettingsFrom, createCacheService, repositoryImageLookup, type CacheService } from './cache/service.js';
import { CacheClient, RemoteCache, RemotePrefetcher, serveCacheCalls } from './cache/remote.js';
import { ImagesRepository } from './repositories/images.js';
import { LeasesRepository } from './repositories/leases.js';
import { TasksRepository } from './repositories/tasks.js';
import { StoreRegistry } from './stores/registry.js';
import { warmHashWorkers } from './stores/hashing.js';
import { createImageCatalogue } from './services/image-catalogue.js';
import { imageView } from './services/image-view.js';
import { BackgroundWork } from './services/image-data/background.js';
import { ImageDownload } from './services/image-data/download.js';
import { ImageImport } from './services/image-data/import.js';
import { TransferLeases } from './services/image-data/leases.js';
import { ImageLocations } from './services/image-data/locations.js';
import { StorageQuotas } from './services/image-data/quotas.js';
import { ImageDataReader } from './services/image-data/reader.js';
import { imageCopiesRemoval, imageDataRemoval, imageDataRemovalGuard, imageLocationsRemoval } from './services/image-data/removal.js';
import { Scrubber } from './services/image-data/scrubber.js';
import { TransferSweeper } from './services/image-data/sweeper.js';
import { ImageUpload } from './services/image-data/upload.js';
import { TasksService } from './services/tasks.js';
import { TaskEvents } from './services/task-events.js';
import type { ImagesService } from './services/images.js';
import type { MembersService } from './services/members.js';
import type { ImageTagsService } from './services/image-tags.js';
import type { ImageSchemas } from './services/image-schemas.js';
import { createMetadefService, type MetadefService } from './services/metadefs/index.js';
import type { Notifier } from './notifier/notifier.js';
import { notifierFromConfig } from './notifier/from-config.js';
import { createPropertyValidation, type PropertyValidation } from './services/validation/index.js';
import { createApi } from './http/api.js';
import { allHandlers } from './http/handlers/index.js';
import { send, sendError } from './http/respond.js';
import { toErrorResponse } from './http/errors.js';
import { advertisedMinors, versionsDocument, type VersionFeatures } from './http/versions.js';
import { DomainError } from './domain/errors.js';
import { loadOpenApiDocument, PROJECT_ROOT } from './openapi.js';
import { createPages, PAGE_SEGMENTS } from './http/pages.js';
import { join } from 'node:path';
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { createMetrics, type Metrics, type RequestTimer } from './metrics/metrics.js';
import { monitorMongo } from './metrics/mongo.js';
import { shareWithPrimary, viaPrimary } from './metrics/cluster.js';
import { answerScrape, registrySource, serveMetrics } from './metrics/endpoint.js';

/** Everything handlers may use. Built once in `createApp` (the composition root). */
export interface Services {
  config: Config;
  log: Logger;
  mongo: Mongo;
  db: Db;
  notifier: Notifier;
  authenticator: Authenticator;
  /** Policy enforcement (policies/ + POLICY_FILE): see src/authz/authorizer.ts. */
  authz: Authorizer;
  /** Image records, members, tags, status machine (src/services/images.ts). */
  images: ImagesService;
  imageMembers: MembersService;
  imageTags: ImageTagsService;
  /** /v2/schemas/image(s), member(s) with the configured formats. */
  imageSchemas: ImageSchemas;
  /** Metadata definitions and their per-process cache (src/services/metadefs/index.ts). */
  metadefs: MetadefService;
  /** Property validation against metadefs, and the optional image-property enforcement (src/services/validation). */
  validation: PropertyValidation['validation'];
  validateImageProperties: PropertyValidation['validateImageProperties'];
  /** Local image cache (src/cache): the /v2/cache API, the download hook `serve`, the eviction hook `evict`. */
  imageCache: CacheService;
  /** The configured stores, the staging area and the SSRF guard (src/stores/registry.ts). */
  stores: StoreRegistry;
  /** Image data (src/services/image-data/): upload and stage, download, import, locations, storage quotas, the sweeper. */
  imageUpload: ImageUpload;
  imageDownload: ImageDownload;
  imageImport: ImageImport;
  imageLocations: ImageLocations;
  storageQuotas: StorageQuotas;
  sweeper: TransferSweeper;
  /** DELAYED_DELETE: scrubs pending_delete images, restores them (src/services/image-data/scrubber.ts). */
  scrubber: Scrubber;
  /** The (deprecated) tasks API over the task records (src/services/tasks.ts). */
  tasks: TasksService;
  features: () => VersionFeatures;
  readiness: () => Promise<Record<string, string>>;
  /** Prometheus metrics (src/metrics): the registry and the recorders handed to the components. */
  metrics: Metrics;
}

export interface AppDeps {
  config: Config;
  log: Logger;
  mongo: Mongo;
  /** Set when this process is one of several API workers (src/cluster.ts); slot 0 owns the image cache. */
  worker?: { slot: number };
}

export interface App {
  app: express.Express;
  services: Services;
  /** The metrics listener of METRICS_PORT, when there is one. */
  metricsServer?: Server;
  close(): Promise<void>;
}

const REQUEST_ID_MAX = 64;

function requestIdFor(req: Request): string {
  const given = req.headers['x-openstack-request-id'];
  if (typeof given === 'string' && given.trim()) {
    const id = given.trim();
    if (id.length > REQUEST_ID_MAX) throw new DomainError('HeaderTooLarge', `The X-Openstack-Request-ID header is longer than ${REQUEST_ID_MAX} characters.`);
    if (!/^[\x21-\x7e]+$/.test(id)) throw new DomainError('Invalid', 'The X-Openstack-Request-ID header has characters that are not allowed.');
    return id.startsWith('req-') ? id : `req-${id}`;
  }
  return `req-${randomUUID()}`;
}

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const len = req.headers['content-length'];
  return len !== undefined && len !== '0';
}

function isOctetStream(req: Request): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().split(';')[0].trim() === 'application/octet-stream';
}

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, log, mongo } = deps;
  // One registry for this process; the components get only the recorders they use.
  const metrics = createMetrics({ enabled: config.METRICS_ENABLED });
  if (metrics.registry) shareWithPrimary(metrics.registry);
  const stopMongoMonitor = metrics.enabled ? monitorMongo(mongo.client, metrics) : () => undefined;
  // Policy errors (unknown rule, bad syntax) stop the service at start with the rule named;
  // property protection errors with the file, line and reason (ConfigError).
  const protections = config.PROPERTY_PROTECTION_FILE ? loadProtections(config.PROPERTY_PROTECTION_FILE, config.PROPERTY_PROTECTION_RULE_FORMAT) : null;
  const policies = loadPolicies(config.POLICY_FILE, undefined, { referenced: protections ? protectionPolicyRules(protections) : [] });
  if (protections) checkProtectionPolicies(protections, (rule) => policies.checks.has(rule));
  const authz = createAuthorizer({ policies, protections, hooks: metrics });
  // Admin-ness is the policy's context_is_admin, for the list filters and the services alike.
  const authenticator = await createAuthenticator(config, log, (ctx) => authz.isAdmin(ctx), metrics);
  const notifier = notifierFromConfig(config, log);
  const db = mongo.db;

  // Records and bytes.
  const repo = new ImagesRepository(db);
  await repo.init();
  const tasksRepo = new TasksRepository(db);
  await tasksRepo.init();
  const stores = new StoreRegistry(config, db, metrics);
  // Remote stores are checked in the background, not awaited: one that is unreachable or
  // misconfigured logs one line here and answers 503 for itself only (README, "Stores").
  for (const s of stores.stores.values()) {
    s.check?.().then(
      () => log.info({ store: s.id, type: s.type }, `store ${s.id} ready`),
      (e: Error) => log.warn({ store: s.id, type: s.type }, e.message),
    );
  }
  warmHashWorkers();
  const reader = new ImageDataReader({ repo, stores, log });
  // With several workers, slot 0 owns the cache directory; the others reach it over IPC (src/cache/remote.ts).
  const cacheSettings = cacheSettingsFrom(config);
  const cacheClient = cacheSettings.enabled && deps.worker && deps.worker.slot !== 0 ? new CacheClient() : undefined;
  const imageCache = await createCacheService(cacheSettings, {
    policy: authz,
    images: repositoryImageLookup(repo),
    log,
    open: (image) => reader.openWhole(image.id),
    remote: cacheClient && { cache: new RemoteCache(cacheClient, cacheSettings.maxSize), prefetcher: new RemotePrefetcher(cacheClient) },
  });
  const stopCacheCalls = deps.worker?.slot === 0 && imageCache.cache && imageCache.prefetcher ? serveCacheCalls(imageCache.cache, imageCache.prefetcher) : undefined;
  const features = (): VersionFeatures => ({ multiStore: config.ENABLED_BACKENDS.length > 0, cache: imageCache.enabled });

  // Metadata definitions, and the property validation the catalogue may enforce.
  const metadefs = await createMetadefService({ db, authz, notifier, config, log });
  const propertyValidation = createPropertyValidation({ source: metadefs, config, authz, log });

  // The catalogue.
  const removal = { stores, evict: (id: string) => imageCache.evict(id), log };
  const catalogue = createImageCatalogue({
    repo,
    config,
    authz,
    notifier,
    view: imageView({ multiStore: stores.multiStore, showDirectUrl: config.SHOW_IMAGE_DIRECT_URL }),
    propertyCheck: propertyValidation.validateImageProperties,
    removeData: imageDataRemoval(removal),
    removeCopies: imageCopiesRemoval(removal),
    guardRemoval: imageDataRemovalGuard({ stores }),
  });
  // DELAYED_DELETE's scrubber: periodic in this process (SCRUB_INTERVAL), or `npm run scrubber`.
  const scrubber = new Scrubber({ repo, removeLocations: imageLocationsRemoval(removal), scrubTime: config.SCRUB_TIME, poolSize: config.SCRUB_POOL_SIZE, log, hooks: metrics });
  if (config.DELAYED_DELETE) scrubber.start(config.SCRUB_INTERVAL * 1000);
  const images = catalogue.images;

  // The data path.
  const staleMs = config.UPLOAD_STALE_AFTER * 1000;
  const leaseRecords = new LeasesRepository(db);
  const leases = new TransferLeases(leaseRecords, `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, staleMs);
  const background = new BackgroundWork(log);
  const storageQuotas = new StorageQuotas({ config, repo, catalogue: catalogue.imageQuotas });
  const imageUpload = new ImageUpload({ config, images, repo, stores, quotas: storageQuotas, leases, notifier });
  const imageDownload = new ImageDownload({ images, reader, cache: imageCache, notifier, hooks: metrics });
  const taskEvents = new TaskEvents(tasksRepo, notifier);
  const imageImport = new ImageImport({ config, log, images, authz, repo, tasks: tasksRepo, taskEvents, stores, quotas: storageQuotas, leases, reader, background, notifier });
  const imageLocations = new ImageLocations({ config, log, images, authz, repo, taskEvents, stores, background, notifier });
  const sweeper = new TransferSweeper({ repo, leaseRecords, leases, stores, staleMs, log });
  await sweeper.start();
  const tasks = new TasksService({ tasks: tasksRepo, authz, images, imports: imageImport, limits: { defaultLimit: config.LIMIT_PARAM_DEFAULT, maxLimit: config.API_LIMIT_MAX } });
  const services: Services = {
    config,
    log,
    mongo,
    db: mongo.db,
    notifier,
    authenticator,
    authz,
    ...catalogue,
    metadefs,
    ...propertyValidation,
    imageCache,
    stores,
    imageUpload,
    imageDownload,
    imageImport,
    imageLocations,
    storageQuotas,
    sweeper,
    scrubber,
    tasks,
    features,
    readiness: async () => ({ mongodb: (await mongo.ping()) ? 'ok' : 'unreachable' }),
    metrics,
  };
  metrics.observe({
    cache: () => {
      const m = imageCache.cache?.metrics();
      return m ? { hits: m.hits, misses: m.misses, evictions: m.evictions, cachedBytes: m.cached_bytes } : null;
    },
    notifier: () => notifier.counters(),
  });

  // The pages serve the same document the API validates against (each gets its own copy).
  const pages = createPages({ document: loadOpenApiDocument(), pagesDir: join(PROJECT_ROOT, 'pages') });
  const api = await createApi({
    document: loadOpenApiDocument(),
    handlers: allHandlers(services),
    authenticator,
    validateResponses: config.NODE_ENV !== 'production',
    baseUrl: (req) => config.PUBLIC_ENDPOINT ?? `${req.protocol}://${req.headers.host ?? `${config.HOST}:${config.PORT}`}`,
    log,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('etag', false);

  // GET /metrics: on the API port unless METRICS_PORT gives it a loopback listener of its own.
  // No token: the labels carry no ids, names or paths (see README, "Metrics").
  let metricsServer: Server | undefined;
  if (metrics.registry) {
    // With several workers, every scrape answers the sum over all of them (src/metrics/cluster.ts).
    const source = cluster.isWorker ? viaPrimary(metrics.registry.contentType) : registrySource(metrics.registry);
    if (config.METRICS_PORT === null) app.get('/metrics', (_req, res) => answerScrape(source, res));
    // In a worker the primary serves METRICS_PORT with every worker's numbers (src/metrics/cluster.ts).
    else if (!cluster.isWorker) {
      metricsServer = await serveMetrics(source, { port: config.METRICS_PORT });
      log.info({ address: metricsServer.address() }, 'metrics listener');
    }
  }

  // Version negotiation: /v2.N/... is /v2/...; any other first segment gets the versions document (300).
  const minors = new Set(advertisedMinors(features()).map((m) => `v2.${m}`));
  const negotiate = (req: Request, res: Response): boolean => {
    const seg = req.path.split('/')[1] ?? '';
    if (seg === 'v2' || seg === '' || seg === 'healthz' || seg === 'readyz' || seg === 'versions' || PAGE_SEGMENTS.has(seg)) return true;
    if (minors.has(seg)) {
      req.url = '/v2' + req.url.slice(1 + seg.length);
      return true;
    }
    const base = config.PUBLIC_ENDPOINT ?? `${req.protocol}://${req.headers.host}`;
    send(res, { status: 300, body: versionsDocument(base, features()) });
    return false;
  };

  // JSON bodies (whatever the declared type, as upstream); image data (the operations whose
  // body the document declares as octet-stream) stays an unread stream, whatever its type.
  const jsonBody = express.json({ type: (req) => !isOctetStream(req as Request) && !api.streamsBody(req.method ?? '', (req as Request).path), limit: config.MAX_JSON_BODY, strict: true });

  // Request id, one log line per request, version negotiation, then the JSON body if there is one.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const timer = metrics.requestStarted();
    res.locals.timer = timer;
    let requestId: string | undefined;
    const path = req.path;
    // One listener per response: the metrics, then the request's log line.
    // 'close' comes once: `on` spares the once-wrapper
    res.on('close', () => {
      // req.path here is after version negotiation's rewrite
      timer.done(res.statusCode, () => api.operationOf(req.method, req.path) ?? undefined);
      if (requestId === undefined) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line: Record<string, unknown> = { request_id: requestId, method: req.method, path, status: res.statusCode, duration_ms: Math.round(ms * 10) / 10 };
      if (!res.writableFinished) line.aborted = true;
      log.info(line, 'request');
    });
    try {
      requestId = requestIdFor(req);
    } catch (e) {
      const fresh = `req-${randomUUID()}`;
      res.setHeader('x-openstack-request-id', fresh);
      return sendError(res, toErrorResponse(e, fresh, log));
    }
    res.locals.requestId = requestId;
    res.setHeader('x-openstack-request-id', requestId);
    if (!negotiate(req, res)) return;
    if (hasBody(req)) jsonBody(req, res, next);
    else next();
  });

  // The API reference page, the explorer and the document (src/http/pages.ts): unauthenticated, outside the API.
  // Only the pages' own first segments reach their router, so API requests skip its routes.
  app.use((req: Request, res: Response, next: NextFunction) => (PAGE_SEGMENTS.has(req.path.split('/', 2)[1] ?? '') ? pages(req, res, next) : next()));

  app.use(async (req: Request, res: Response) => {
    const requestId = res.locals.requestId as string;
    try {
      const withBody = hasBody(req);
      const result = await api.handle(
        { method: req.method, path: req.path, query: req.query as Record<string, string | string[]>, headers: req.headers, body: withBody && !isOctetStream(req) ? req.body : undefined, hasBody: withBody },
        { req, requestId, onRoute: (op) => (res.locals.timer as RequestTimer).route(op) },
      );
      send(res, result);
    } catch (e) {
      sendError(res, toErrorResponse(e, requestId, log));
    }
  });

  // Errors raised by the body parser (malformed JSON, too large).
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toErrorResponse(err, (res.locals.requestId as string) ?? `req-${randomUUID()}`, log));
  });

  return {
    app,
    services,
    metricsServer,
    async close() {
      stopMongoMonitor();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      sweeper.close();
      await scrubber.close();
      await background.close();
      leases.close();
      stopCacheCalls?.();
      await imageCache.close();
      await notifier.close();
      authenticator.close?.();
    },
  };
}
