import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import type { Request } from 'express';
import addFormats from 'ajv-formats';
import type { ErrorObject } from 'ajv';
import type { Authenticator } from '../authn/authenticate.js';
import { anonymousContext, type RequestContext } from '../authn/context.js';
import { DomainError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { Call, Handler, OperationId, Result } from './types.js';

/**
 * The request pipeline, as openapi-backend hooks in the order it calls them:
 * route by operationId (404/405) → security handler (authn, 401) → Ajv request
 * validation (400) → handler (services do authorization and domain rules) →
 * postResponseHandler (validates the result against the document outside production).
 * Every failure hook is registered: nothing fails open.
 */
export interface ApiOptions {
  document: Record<string, unknown>;
  handlers: Partial<Record<OperationId, Handler<never>>>;
  authenticator: Authenticator;
  validateResponses: boolean;
  baseUrl: (req: Request) => string;
  log: Logger;
}

export interface PipelineArgs {
  req: Request;
  requestId: string;
}

const ctxCache = new WeakMap<Request, Promise<RequestContext | null>>();

/** Describes an Ajv error the way a client reads it: which field, and what is wrong. */
export function describeValidationError(e: ErrorObject): string {
  const [, where, ...rest] = e.instancePath.split('/');
  const place = where === 'requestBody' ? 'request body' : where === 'query' ? 'query' : where === 'path' ? 'path' : where === 'headers' ? 'header' : where || 'request';
  let field = rest.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
  let what = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    field = [field, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.');
    what = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    field = [field, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
    what = 'is not allowed';
  } else if (e.keyword === 'enum') {
    what = `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (!field) return `Invalid ${place}: ${place === 'request body' ? 'the body ' : ''}${what}.`;
  return `Invalid value for '${field}' in ${place}: ${what}.`;
}

function decodeParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (typeof v !== 'string') out[k] = v;
    else {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        throw new DomainError('Invalid', `Invalid value for '${k}' in path: bad percent-encoding.`);
      }
    }
  }
  return out;
}

type RouterOperation = ReturnType<OpenAPIBackend['router']['getOperations']>[number];

const escapeRegExp = (literal: string): string => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The path template as openapi-backend matches it: `{param}` is one segment, the rest literal. */
function templatePattern(path: string): RegExp {
  const body = path.replace(/\{[^}]+\}/g, '\0').split('\0').map(escapeRegExp).join('[^/]+');
  return new RegExp('^' + body + '$');
}

/**
 * openapi-backend's router rebuilds its operation list (lodash) and compiles one RegExp per
 * operation on every request, which made routing the largest cost of a cached read (see
 * docs/performance.md). The document does not change after init, so the list is built once
 * and the path templates are compiled once; matching keeps the library's exact rules: an
 * exact path with the method wins, else templates ordered by literal length (stable), the
 * first with the method; templates without it → 405, no template → 404.
 */
export function precompileRouter(router: OpenAPIBackend['router']): void {
  const operations = router.getOperations();
  const exact = new Map<string, RouterOperation>();
  for (const op of operations) if (!exact.has(`${op.method} ${op.path}`)) exact.set(`${op.method} ${op.path}`, op);
  const templates = operations
    .map((op, i) => ({ op, i, re: templatePattern(op.path), literal: op.path.replace(/\{.*?\}/g, '').length }))
    .sort((a, b) => b.literal - a.literal || a.i - b.i);
  router.getOperations = () => operations;
  router.matchOperation = ((req: Parameters<typeof router.matchOperation>[0], strict?: boolean) => {
    const r = router.normalizeRequest(req);
    const fail = (code: string) => {
      if (strict) throw new Error(code === '404' ? '404-notFound: no route matches request' : '405-methodNotAllowed: this method is not registered for the route');
      return undefined;
    };
    if (!(router as unknown as { isUnderApiRoot(p: string): boolean }).isUnderApiRoot(r.path)) return fail('404');
    const path = router.normalizePath(r.path);
    const hit = exact.get(`${r.method} ${path}`);
    if (hit) return hit;
    let pathMatched = false;
    for (const t of templates) {
      if (!t.re.test(path)) continue;
      if (t.op.method === r.method) return t.op;
      pathMatched = true;
    }
    return fail(pathMatched ? '405' : '404');
  }) as typeof router.matchOperation;
}

export async function createApi(o: ApiOptions): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend<Document>({
    definition: o.document as unknown as Document,
    strict: true,
    validate: true,
    coerceTypes: true,
    ignoreTrailingSlashes: false,
    ajvOpts: { allErrors: false, strict: false },
    customizeAjv: (ajv) => {
      addFormats.default(ajv as never);
      return ajv;
    },
  });

  const context = (req: Request, requestId: string): Promise<RequestContext | null> => {
    let p = ctxCache.get(req);
    if (!p) {
      p = o.authenticator.authenticate(req, requestId);
      ctxCache.set(req, p);
    }
    return p;
  };

  const security = async (c: Context, args: PipelineArgs) => {
    const ctx = await context(args.req, args.requestId);
    if (!ctx) throw new DomainError('Unauthenticated', 'Authentication required: send a token in the X-Auth-Token header.');
    return ctx;
  };
  api.registerSecurityHandler('keystoneToken', (c: Context, args: PipelineArgs) => security(c, args));
  api.registerSecurityHandler('bearerToken', (c: Context, args: PipelineArgs) => security(c, args));

  api.register({
    notFound: () => {
      throw new DomainError('NotFound', 'The resource could not be found.');
    },
    methodNotAllowed: (c: Context) => {
      const path = c.request.path;
      const allow = api.router
        .getOperations()
        .filter((op) => api.router.matchOperation({ ...c.request, path, method: op.method } as never, false)?.operationId === op.operationId)
        .map((op) => op.method.toUpperCase());
      throw new DomainError('MethodNotAllowed', 'The method is not allowed for the requested URL.', { Allow: [...new Set(allow)].join(', ') });
    },
    notImplemented: (c: Context) => {
      throw new DomainError('NotImplemented', `Operation ${c.operation?.operationId} is not implemented.`);
    },
    unauthorizedHandler: async (c: Context) => {
      // The security handler threw: pass its error on (401 bad token, 503 identity service down).
      const results = Object.values(c.security ?? {}).filter((v) => v && typeof v === 'object' && 'error' in (v as object)) as { error: unknown }[];
      const thrown = results.map((r) => r.error).find((e) => e instanceof DomainError) as DomainError | undefined;
      const challenge = { 'WWW-Authenticate': o.authenticator.challenge };
      if (thrown && thrown.kind !== 'Unauthenticated') throw thrown;
      throw new DomainError('Unauthenticated', thrown?.message ?? 'Authentication required: send a token in the X-Auth-Token header.', challenge);
    },
    validationFail: (c: Context) => {
      const errors = c.validation.errors ?? [];
      const message = errors.length ? describeValidationError(errors[0] as ErrorObject) : 'The request is invalid.';
      throw new DomainError('Invalid', message);
    },
    postResponseHandler: (c: Context) => {
      const result = c.response as Result;
      if (o.validateResponses && result && !result.stream && (result.body !== undefined || result.json !== undefined) && c.operation) {
        const body = result.json !== undefined ? JSON.parse(result.json) : result.body;
        const v = api.validateResponse(body, c.operation, result.status);
        if (v.errors?.length) {
          const detail = v.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`).join('; ');
          throw new Error(`Response of ${c.operation.operationId} (${result.status}) does not match the OpenAPI document: ${detail}`);
        }
      }
      return result;
    },
  });

  for (const [operationId, handler] of Object.entries(o.handlers)) {
    api.register(operationId, async (c: Context, args: PipelineArgs) => {
      const ctx = c.operation.security?.length === 0 ? anonymousContext(args.requestId) : ((await context(args.req, args.requestId)) ?? anonymousContext(args.requestId));
      // rawQuery and log are built on first use: most handlers need neither.
      let rawQuery: URLSearchParams | undefined;
      let log: Logger | undefined;
      const call: Call = {
        operationId: operationId as OperationId,
        ctx,
        params: decodeParams(c.request.params) as never,
        query: c.request.query as never,
        get rawQuery() {
          return (rawQuery ??= new URL(args.req.originalUrl, 'http://x').searchParams);
        },
        headers: args.req.headers,
        body: c.request.requestBody as never,
        req: args.req,
        baseUrl: o.baseUrl(args.req),
        get log() {
          return (log ??= o.log.child({ request_id: args.requestId }));
        },
      };
      return (handler as Handler<OperationId>)(call as never);
    });
  }

  await api.init();
  precompileRouter(api.router);
  return api;
}
