import { OpenAPIBackend, type Document } from 'openapi-backend';
import type { Request } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Authenticator } from '../authn/authenticate.js';
import { anonymousContext, type RequestContext } from '../authn/context.js';
import { DomainError } from '../domain/errors.js';
import { canonicalId } from '../domain/ids.js';
import type { Logger } from '../log.js';
import type { Call, Handler, Handlers, OperationId, Result } from './types.js';
import { assertClean } from './well-formed.js';

/**
 * The request pipeline, one linear function per request (`Api.handle`):
 * route by operationId (404/405) → authentication (401) → request validation: valid Unicode
 * without NUL everywhere (well-formed.ts), then against the document (400) → handler (services do authorization and domain rules) → response validation
 * against the document outside production.
 *
 * openapi-backend owns the document: it dereferences it, lists the operations and compiles one
 * set of Ajv validators per operation at start. The per-request work is done here once per
 * request, from a plan built per operation at start: the library's own `handleRequest` parses
 * every request four times over (lodash deep copies, a RegExp compiled per call), which cost
 * more than everything else a cached read does (docs/performance.md). Document features this
 * pipeline does not implement (cookie parameters, non-exploded or JSON-encoded query
 * parameters, unknown security schemes) stop the service at start instead of being ignored.
 */
export interface ApiOptions {
  document: Record<string, unknown>;
  handlers: Partial<Handlers<OperationId>>;
  authenticator: Authenticator;
  validateResponses: boolean;
  baseUrl: (req: Request) => string;
  log: Logger;
}

export interface PipelineArgs {
  req: Request;
  requestId: string;
  /** Told the request's operationId as soon as it is routed (metrics). */
  onRoute?: (operationId: string) => void;
}

/** The request as the HTTP layer hands it over (express has parsed the query and any JSON body). */
export interface ApiRequest {
  method: string;
  /** The path without the query string, still percent-encoded. */
  path: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there is none (image data stays a stream). */
  body: unknown;
  /** Whether the request carries a body at all (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean;
}

export interface Api {
  handle(request: ApiRequest, args: PipelineArgs): Promise<Result>;
  /** Whether the operation at this method and path takes its body as raw bytes (image data): never parsed. */
  streamsBody(method: string, path: string): boolean;
  /** The operationId at this method and path, or null (for requests answered before `handle`, e.g. a malformed JSON body). */
  operationOf(method: string, path: string): string | null;
}

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

/** Path parameters naming a UUID-keyed record: any letter case names the record's canonical id. */
const ID_PARAMS = new Set(['image_id', 'task_id']);

/** Path parameters arrive percent-encoded; each is decoded exactly once. */
function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new DomainError('Invalid', `Invalid value for '${name}' in path: bad percent-encoding.`);
  }
}

type RouterOperation = ReturnType<OpenAPIBackend['router']['getOperations']>[number];

const escapeRegExp = (literal: string): string => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The path template as openapi-backend matches it: `{param}` is one non-empty segment (captured), the rest literal. */
function templatePattern(path: string): RegExp {
  const body = path.replace(/\{[^}]+\}/g, '\0').split('\0').map(escapeRegExp).join('([^/]+)');
  return new RegExp('^' + body + '$');
}

type Match = { op: RouterOperation; params: string[] } | 404 | 405;

interface CompiledRouter {
  operations: RouterOperation[];
  /** The operation for a method (any case) and a path under the API root, with the raw values of its `{params}`. */
  match(method: string, path: string): Match;
}

/**
 * openapi-backend's router rebuilds its operation list (lodash) and compiles one RegExp per
 * operation on every request, which made routing the largest cost of a cached read (see
 * docs/performance.md). The document does not change after init, so the list is built once
 * and the path templates are compiled once; matching keeps the library's exact rules: an
 * exact path with the method wins, else templates ordered by literal length (stable), the
 * first with the method; templates without it → 405, no template → 404.
 */
export function compileRouter(router: OpenAPIBackend['router']): CompiledRouter {
  const operations = router.getOperations();
  const compiled = operations.map((op, i) => ({ op, i, re: templatePattern(op.path), literal: op.path.replace(/\{.*?\}/g, '').length }));
  const exact = new Map<string, (typeof compiled)[number]>();
  for (const t of compiled) if (!exact.has(`${t.op.method} ${t.op.path}`)) exact.set(`${t.op.method} ${t.op.path}`, t);
  const templates = [...compiled].sort((a, b) => b.literal - a.literal || a.i - b.i);
  const underRoot = (p: string) => (router as unknown as { isUnderApiRoot(p: string): boolean }).isUnderApiRoot(p);
  return {
    operations,
    match(methodIn, pathIn) {
      const method = methodIn.trim().toLowerCase();
      let raw = pathIn.trim();
      if (!raw.startsWith('/')) raw = `/${raw}`;
      raw = raw.split('?')[0];
      if (!underRoot(raw)) return 404;
      const path = router.normalizePath(raw);
      const hit = exact.get(`${method} ${path}`);
      // (a literal request for a templated path, `/v2/images/{image_id}`, keeps the braces as the value)
      if (hit) return { op: hit.op, params: (hit.re.exec(path) ?? []).slice(1) };
      let pathMatched = false;
      for (const t of templates) {
        const found = t.re.exec(path);
        if (!found) continue;
        if (t.op.method === method) return { op: t.op, params: found.slice(1) };
        pathMatched = true;
      }
      return pathMatched ? 405 : 404;
    },
  };
}

/** What the pipeline needs to know about one operation, worked out once at start. */
interface Plan {
  op: RouterOperation;
  operationId: OperationId;
  handler?: Handler<OperationId>;
  /** `required`: a valid token is needed (401 otherwise); `optional`: used when given; `none`: never looked at. */
  auth: 'required' | 'optional' | 'none';
  paramNames: string[];
  /** Query parameters declared as arrays: a single value is validated as a one-element array. */
  arrayQuery: string[];
  validators: ValidateFunction[];
  acceptsBody: boolean;
  /** The body is image data (application/octet-stream), streamed to the handler unread. */
  streamsBody: boolean;
}

const SECURITY_SCHEMES = new Set(['keystoneToken', 'bearerToken']);
const NO_COOKIES = Object.freeze({});

function planFor(op: RouterOperation, api: OpenAPIBackend, handlers: ApiOptions['handlers']): Plan {
  const operationId = op.operationId as OperationId;
  const parameters = (op.parameters ?? []) as { in: string; name: string; schema?: { type?: string }; content?: unknown; explode?: boolean; style?: string }[];
  for (const p of parameters) {
    if (p.in === 'cookie' || (p.in === 'query' && (p.content !== undefined || p.explode === false || (p.style !== undefined && p.style !== 'form')))) {
      throw new Error(`OpenAPI document: ${operationId} declares ${p.in} parameter '${p.name}' in a form this pipeline does not parse`);
    }
  }
  const requirements = (op.security ?? []) as Record<string, unknown>[];
  for (const r of requirements) {
    for (const scheme of Object.keys(r)) if (!SECURITY_SCHEMES.has(scheme)) throw new Error(`OpenAPI document: ${operationId} uses unknown security scheme '${scheme}'`);
  }
  const auth = requirements.length === 0 ? 'none' : requirements.some((r) => Object.keys(r).length === 0) ? 'optional' : 'required';
  return {
    op,
    operationId,
    handler: handlers[operationId] as Handler<OperationId> | undefined,
    auth,
    paramNames: [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
    arrayQuery: parameters.filter((p) => p.in === 'query' && p.schema?.type === 'array').map((p) => p.name),
    validators: (api.validator.getRequestValidatorsForOperation(operationId) ?? []) as ValidateFunction[],
    acceptsBody: Boolean(op.requestBody),
    streamsBody: Object.keys((op.requestBody as { content?: Record<string, unknown> } | undefined)?.content ?? {}).includes('application/octet-stream'),
  };
}

function contentTypeIsJson(headers: IncomingHttpHeaders): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.split(';')[0].trim().toLowerCase() === 'application/json';
}

export async function createApi(o: ApiOptions): Promise<Api> {
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
  await api.init();
  const router = compileRouter(api.router);
  const plans = new Map<string, Plan>(router.operations.map((op) => [op.operationId as string, planFor(op, api, o.handlers)]));
  for (const id of Object.keys(o.handlers)) if (!plans.has(id)) throw new Error(`Handler for ${id}, which the OpenAPI document does not declare`);

  const unauthenticated = (message?: string) =>
    new DomainError('Unauthenticated', message ?? 'Authentication required: send a token in the X-Auth-Token header.', { 'WWW-Authenticate': o.authenticator.challenge });

  /** 401 (with the challenge) for a missing or bad token; other failures, such as an unreachable identity service (503), pass through. */
  const authenticate = async (plan: Plan, args: PipelineArgs): Promise<RequestContext> => {
    if (plan.auth === 'none') return anonymousContext(args.requestId);
    let ctx: RequestContext | null;
    try {
      ctx = await o.authenticator.authenticate(args.req, args.requestId);
    } catch (e) {
      if (e instanceof DomainError && e.kind !== 'Unauthenticated') throw e;
      throw unauthenticated(e instanceof DomainError ? e.message : undefined);
    }
    if (ctx) return ctx;
    if (plan.auth === 'optional') return anonymousContext(args.requestId);
    throw unauthenticated();
  };

  const methodNotAllowed = (path: string) => {
    const allow = new Set<string>();
    for (const op of router.operations) {
      const m = router.match(op.method, path);
      if (typeof m !== 'number' && m.op === op) allow.add(op.method.toUpperCase());
    }
    return new DomainError('MethodNotAllowed', 'The method is not allowed for the requested URL.', { Allow: [...allow].join(', ') });
  };

  async function handle(request: ApiRequest, args: PipelineArgs): Promise<Result> {
    const m = router.match(request.method, request.path);
    if (m === 404) throw new DomainError('NotFound', 'The resource could not be found.');
    if (m === 405) throw methodNotAllowed(request.path);
    const plan = plans.get(m.op.operationId as string)!;
    args.onRoute?.(plan.operationId);
    const ctx = await authenticate(plan, args);

    const path: Record<string, string> = {};
    for (let i = 0; i < plan.paramNames.length; i++) {
      const name = plan.paramNames[i];
      const value = decodeParam(name, m.params[i] ?? '');
      path[name] = ID_PARAMS.has(name) ? canonicalId(value) : value;
    }
    const query: Record<string, unknown> = { ...request.query };
    for (const name of plan.arrayQuery) if (typeof query[name] === 'string') query[name] = [query[name]];
    const parameters: Record<string, unknown> = { path, query, header: request.headers, cookie: NO_COOKIES };
    if (typeof request.body === 'object' || contentTypeIsJson(request.headers)) parameters.requestBody = request.body;
    assertClean(path, 'path');
    assertClean(query, 'query');
    assertClean(request.body, 'request body');
    for (const validate of plan.validators) {
      // Ajv coerces in place (coerceTypes): the handler sees typed query and path values.
      if (!validate(parameters)) {
        const first = validate.errors?.[0];
        throw new DomainError('Invalid', first ? describeValidationError(first) : 'The request is invalid.');
      }
    }
    if (!plan.acceptsBody && request.hasBody) throw new DomainError('Invalid', 'A body is not expected with this request.');
    if (!plan.handler) throw new DomainError('NotImplemented', `Operation ${plan.operationId} is not implemented.`);

    // rawQuery, log and baseUrl are built on first use: most handlers need none of them.
    let rawQuery: URLSearchParams | undefined;
    let log: Logger | undefined;
    let baseUrl: string | undefined;
    const call: Call = {
      operationId: plan.operationId,
      ctx,
      params: path as never,
      query: query as never,
      get rawQuery() {
        if (rawQuery) return rawQuery;
        const url = args.req.originalUrl;
        const at = url.indexOf('?');
        return (rawQuery = new URLSearchParams(at < 0 ? '' : url.slice(at + 1)));
      },
      headers: request.headers,
      body: request.body as never,
      req: args.req,
      get baseUrl() {
        return (baseUrl ??= o.baseUrl(args.req));
      },
      get log() {
        return (log ??= o.log.child({ request_id: args.requestId }));
      },
    };
    const result = await plan.handler(call);
    if (o.validateResponses) checkResponse(plan, result);
    return result;
  }

  function checkResponse(plan: Plan, result: Result): void {
    if (!result || result.stream || (result.body === undefined && result.json === undefined)) return;
    const body = result.json !== undefined ? JSON.parse(typeof result.json === 'string' ? result.json : result.json.toString('utf8')) : result.body;
    const v = api.validateResponse(body, plan.op, result.status);
    if (v.errors?.length) {
      const detail = v.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`).join('; ');
      throw new Error(`Response of ${plan.operationId} (${result.status}) does not match the OpenAPI document: ${detail}`);
    }
  }

  function streamsBody(method: string, path: string): boolean {
    const m = router.match(method, path);
    return typeof m !== 'number' && plans.get(m.op.operationId as string)!.streamsBody;
  }

  function operationOf(method: string, path: string): string | null {
    const m = router.match(method, path);
    return typeof m === 'number' ? null : (m.op.operationId as string);
  }

  return { handle, streamsBody, operationOf };
}
