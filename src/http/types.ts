import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Request } from 'express';
import type { operations } from '../generated/openapi.js';
import type { RequestContext } from '../authn/context.js';
import type { Logger } from '../log.js';

export type OperationId = keyof operations;

type Field<T, K extends PropertyKey> = T extends { [P in K]?: infer V } ? V : never;
type Defined<T> = [T] extends [never] ? Record<string, never> : Exclude<T, undefined>;

export type PathParams<Op extends OperationId> = Defined<Field<operations[Op]['parameters'], 'path'>>;
export type QueryParams<Op extends OperationId> = Defined<Field<operations[Op]['parameters'], 'query'>>;
type Content<Op extends OperationId> = NonNullable<Field<operations[Op], 'requestBody'>> extends { content: infer C } ? C : never;
export type RequestBody<Op extends OperationId> = [Content<Op>] extends [never] ? undefined : Content<Op>[keyof Content<Op>];

/** One API call as a handler sees it, after authentication and request validation. */
export interface Call<Op extends OperationId = OperationId> {
  operationId: Op;
  ctx: RequestContext;
  params: PathParams<Op>;
  /** Query parameters as validated (and type-coerced) against the document. */
  query: QueryParams<Op>;
  /** The raw query string, for repeated parameters and free-form filters. */
  rawQuery: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: RequestBody<Op>;
  /** The underlying request, for streaming request bodies (image data). */
  req: Request;
  /** Scheme://host[:port] to build absolute URLs with (PUBLIC_ENDPOINT or the request's host). */
  baseUrl: string;
  log: Logger;
}

/** What a handler returns; `http/respond.ts` is the only writer of responses. */
export interface Result {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A body already serialised as JSON (text, or UTF-8 bytes: a cached response): sent as-is, validated like `body`. */
  json?: string | Buffer;
  /** A streamed body (image data); never validated, never buffered. */
  stream?: Readable;
  /** Called once, when a streamed response is over, with the bytes of the stream written to it. */
  sent?: (bytes: number) => void;
}

type Responses<Op extends OperationId> = operations[Op]['responses'];
/** The statuses the document declares for an operation (errors come from DomainError instead). */
export type Status<Op extends OperationId> = Extract<keyof Responses<Op>, number>;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
/** The JSON body the document gives an operation's response with this status. */
export type Ok<Op extends OperationId, S extends Status<Op>> = JsonOf<Responses<Op>[S]>;

type Head = { headers?: Record<string, string> };
type ReplyWith<Op extends OperationId, S extends Status<Op>> = [Ok<Op, S>] extends [never]
  ? Responses<Op>[S] extends { content: { 'application/octet-stream': unknown } }
    ? Head & { status: S; stream: Readable; sent?: (bytes: number) => void }
    : Head & { status: S; body?: undefined }
  : (Head & { status: S; body: Ok<Op, S> }) | (Head & { status: S; json: string | Buffer });
/** A result whose status and body are ones the document declares for the operation. */
export type Reply<Op extends OperationId> = { [S in Status<Op>]: ReplyWith<Op, S> }[Status<Op>];

export type Handler<Op extends OperationId> = (call: Call<Op>) => Promise<Reply<Op>> | Reply<Op>;
export type Handlers<Ops extends OperationId> = { [K in Ops]: Handler<K> };
