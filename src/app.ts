import express, { type Request, type Response, type NextFunction } from 'express';
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Config } from './config/config.js';
import type { Logger } from './log.js';
import type { Mongo } from './db/mongo.js';
import { createAuthenticator, type Authenticator } from './authn/authenticate.js';
import { createAuthorizer, type Authorizer } from './authz/index.js';
import { cacheSettingsFrom, createCacheService, mongoImageLookup, type CacheService } from './cache/service.js';
import { createImageCatalogue } from './services/image-catalogue.js';
import { ImageDataService } from './services/image-data.js';
import { TasksService } from './services/tasks.js';
import type { ImagesService } from './services/images.js';
import type { MembersService } from './services/members.js';
import type { ImageSchemas } from './services/image-schemas.js';
import { createMetadefService, type MetadefService } from './services/metadefs/index.js';
import { logNotifier, type Notifier } from './notifier/notifier.js';
import { createPropertyValidation, type PropertyValidation } from './services/validation/index.js';
import { createApi } from './http/api.js';
import { allHandlers } from './http/handlers/index.js';
import { send, sendError } from './http/respond.js';
import { toErrorResponse } from './http/errors.js';
import { advertisedMinors, versionsDocument, type VersionFeatures } from './http/versions.js';
import { DomainError } from './domain/errors.js';
import { loadOpenApiDocument } from './openapi.js';

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
  /** /v2/schemas/image(s), member(s) with the configured formats. */
  imageSchemas: ImageSchemas;
  /** Metadata definitions and their per-process cache (src/services/metadefs/index.ts). */
  metadefs: MetadefService;
  /** Property validation against metadefs, and the optional image-property enforcement (src/services/validation). */
  validation: PropertyValidation['validation'];
  validateImageProperties: PropertyValidation['validateImageProperties'];
  /** Local image cache (src/cache): the /v2/cache API, the download hook `serve`, the eviction hook `evict`. */
  imageCache: CacheService;
  /** Image data: stores, upload/download, staging, import, locations, tasks (src/services/image-data.ts). */
  imageData: ImageDataService;
  /** The (deprecated) tasks API over the task records (src/services/tasks.ts). */
  tasks: TasksService;
  features: () => VersionFeatures;
  readiness: () => Promise<Record<string, string>>;
}

export interface AppDeps {
  config: Config;
  log: Logger;
  mongo: Mongo;
}

export interface App {
  app: express.Express;
  services: Services;
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

/** Image data uploads are never parsed, whatever their content type (a wrong one is answered with 415). */
function isDataPut(req: Request): boolean {
  return req.method === 'PUT' && /^\/v2(?:\.\d+)?\/images\/[^/]+\/(?:file|stage)\/?$/.test(req.path);
}

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, log, mongo } = deps;
  const authenticator = await createAuthenticator(config, log);
  // Policy errors (unknown rule, bad syntax) stop the service at start with the rule named.
  const authz = createAuthorizer({ policyFile: config.POLICY_FILE });
  const imageCache = await createCacheService(cacheSettingsFrom(config), { policy: authz, images: mongoImageLookup(mongo.db), log });
  const features = (): VersionFeatures => ({ multiStore: config.ENABLED_BACKENDS.length > 0, cache: imageCache.enabled });
  const notifier = logNotifier(log);
  const catalogue = await createImageCatalogue({ db: mongo.db, config, authz, notifier });
  const imageData = new ImageDataService({ config, log, db: mongo.db, images: catalogue.images, authz, notifier, cache: imageCache });
  await imageData.init();
  const tasks = new TasksService({ tasks: imageData.tasks, authz, images: catalogue.images, imageData, limits: { defaultLimit: config.LIMIT_PARAM_DEFAULT, maxLimit: config.API_LIMIT_MAX } });
  catalogue.images.addRenderExtension(imageData.renderExtension);
  catalogue.images.onDeleted((img) => imageData.deleteImageData(img));
  imageCache.setStoreReader((image) => imageData.openWhole(image.id));
  const metadefs = await createMetadefService({ db: mongo.db, authz, notifier, config, log });
  const propertyValidation = createPropertyValidation({ source: metadefs, config, authz, log });
  catalogue.images.setPropertyCheck(propertyValidation.validateImageProperties);
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
    imageData,
    tasks,
    features,
    readiness: async () => ({ mongodb: (await mongo.ping()) ? 'ok' : 'unreachable' }),
  };

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

  // Version negotiation: /v2.N/... is /v2/...; any other first segment gets the versions document (300).
  const minors = new Set(advertisedMinors(features()).map((m) => `v2.${m}`));
  const negotiate = (req: Request, res: Response): boolean => {
    const seg = req.path.split('/')[1] ?? '';
    if (seg === 'v2' || seg === '' || seg === 'healthz' || seg === 'readyz' || seg === 'versions') return true;
    if (minors.has(seg)) {
      req.url = '/v2' + req.url.slice(1 + seg.length);
      return true;
    }
    const base = config.PUBLIC_ENDPOINT ?? `${req.protocol}://${req.headers.host}`;
    send(res, { status: 300, body: versionsDocument(base, features()) });
    return false;
  };

  // JSON bodies (whatever the declared type, as upstream); image data stays an unread stream.
  const jsonBody = express.json({ type: (req) => !isOctetStream(req as Request) && !isDataPut(req as Request), limit: config.MAX_JSON_BODY, strict: true });

  // Request id, one log line per request, version negotiation, then the JSON body if there is one.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    let requestId: string;
    try {
      requestId = requestIdFor(req);
    } catch (e) {
      requestId = `req-${randomUUID()}`;
      res.setHeader('x-openstack-request-id', requestId);
      return sendError(res, toErrorResponse(e, requestId, log));
    }
    res.locals.requestId = requestId;
    res.setHeader('x-openstack-request-id', requestId);
    const path = req.path;
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ request_id: requestId, method: req.method, path, status: res.statusCode, duration_ms: Math.round(ms * 10) / 10, ...(res.writableFinished ? {} : { aborted: true }) }, 'request');
    });
    if (!negotiate(req, res)) return;
    if (hasBody(req)) jsonBody(req, res, next);
    else next();
  });

  app.use(async (req: Request, res: Response) => {
    const requestId = res.locals.requestId as string;
    try {
      const withBody = hasBody(req);
      const result = await api.handle(
        { method: req.method, path: req.path, query: req.query as Record<string, string | string[]>, headers: req.headers, body: withBody && !isOctetStream(req) ? req.body : undefined, hasBody: withBody },
        { req, requestId },
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
    async close() {
      await imageData.close();
      await imageCache.close();
      authenticator.close?.();
    },
  };
}
