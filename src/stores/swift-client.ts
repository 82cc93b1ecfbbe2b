/**
 * A small client for Swift's object API (there is no well-kept Node.js one): authentication by
 * tempauth (v1) or Keystone (v3, password), containers, streamed object PUT, GET with Range,
 * DELETE, listings, server-side copy and Static Large Object manifests.
 *
 * Requests with a body are sent with `Expect: 100-continue`: Swift checks the token before it
 * asks for the body, so a token that expired during a long transfer is answered with 401 before
 * any byte of the body is taken from its source, and the request is simply sent again with a
 * new token. Requests without a body are retried the same way. Tokens close to their expiry are
 * renewed before use. The key never leaves this file: errors carry the status and Swift's
 * message only.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export interface SwiftAuthOptions {
  /** tempauth: http://host:port/auth/v1.0; Keystone: http://host:port/v3 */
  authUrl: string;
  authVersion: '1' | '3';
  /** tempauth: `account:user`; Keystone: the user name. */
  user: string;
  key: string;
  userDomain?: string;
  project?: string;
  projectDomain?: string;
  /** Catalog selection (Keystone). */
  region?: string;
  interface?: 'public' | 'internal' | 'admin';
  serviceType?: string;
  /** A storage URL that replaces the one from the catalog or tempauth. */
  endpoint?: string;
  /** Socket inactivity limit per request. */
  timeoutMs?: number;
  /** Renew a token this long before it expires. */
  expireSoonMs?: number;
}

export class SwiftError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SwiftError';
  }
}

interface Auth {
  token: string;
  storageUrl: string;
  /** ms since the epoch, or Infinity when the server does not say. */
  expiresAt: number;
}

export interface SwiftResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

interface CallOptions {
  headers?: OutgoingHttpHeaders;
  query?: Record<string, string>;
  /** Produces the body; called only once Swift has accepted the request headers. */
  body?: () => Readable;
  /** Statuses returned to the caller instead of thrown (2xx always are). */
  accept?: number[];
}

const enc = (s: string) => encodeURIComponent(s);

async function text(res: IncomingMessage, limit = 4096): Promise<string> {
  let out = '';
  for await (const c of res) if (out.length < limit) out += (c as Buffer).toString('utf8');
  return out.slice(0, limit);
}

export class SwiftClient {
  private auth?: Promise<Auth>;
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  /** Number of times a token was obtained (for tests and metrics). */
  authentications = 0;

  constructor(private readonly o: SwiftAuthOptions) {}

  /** The current token and storage URL, authenticating when there is none or it expires soon. */
  async session(force = false): Promise<Auth> {
    const cur = this.auth;
    if (cur && !force) {
      const a = await cur.catch(() => null);
      if (a && a.expiresAt - Date.now() > (this.o.expireSoonMs ?? 60_000)) return a;
      if (this.auth !== cur) return this.session();
    }
    const next = this.login();
    this.auth = next;
    next.catch(() => {
      if (this.auth === next) this.auth = undefined;
    });
    return next;
  }

  /** The token in use (tests revoke it to simulate expiry). */
  async currentToken(): Promise<string> {
    return (await this.session()).token;
  }

  private async login(): Promise<Auth> {
    this.authentications++;
    const a = this.o.authVersion === '1' ? await this.loginV1() : await this.loginV3();
    return this.o.endpoint ? { ...a, storageUrl: this.o.endpoint.replace(/\/+$/, '') } : a;
  }

  private async loginV1(): Promise<Auth> {
    const res = await this.raw('GET', new URL(this.o.authUrl), { 'X-Auth-User': this.o.user, 'X-Auth-Key': this.o.key });
    const body = await text(res);
    if (res.statusCode !== 200) throw new SwiftError(`authentication failed (HTTP ${res.statusCode})${res.statusCode === 401 ? ': wrong user or key' : `: ${body.slice(0, 200)}`}`, res.statusCode ?? 0);
    const token = String(res.headers['x-auth-token'] ?? res.headers['x-storage-token'] ?? '');
    const storageUrl = String(res.headers['x-storage-url'] ?? '');
    if (!token || (!storageUrl && !this.o.endpoint)) throw new SwiftError('authentication answered without a token or storage URL', 502);
    const life = Number(res.headers['x-auth-token-expires']);
    return { token, storageUrl: storageUrl.replace(/\/+$/, ''), expiresAt: Number.isFinite(life) ? Date.now() + life * 1000 : Infinity };
  }

  private async loginV3(): Promise<Auth> {
    const body = JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: this.o.user, password: this.o.key, domain: { name: this.o.userDomain ?? 'Default' } } } },
        scope: { project: { name: this.o.project, domain: { name: this.o.projectDomain ?? 'Default' } } },
      },
    });
    const url = new URL(this.o.authUrl.replace(/\/+$/, '') + '/auth/tokens');
    const res = await this.raw('POST', url, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, body);
    const reply = await text(res, 1 << 20);
    if (res.statusCode !== 201) throw new SwiftError(`Keystone authentication failed (HTTP ${res.statusCode})${res.statusCode === 401 ? ': wrong user, password or project' : ''}`, res.statusCode ?? 0);
    const token = String(res.headers['x-subject-token'] ?? '');
    let parsed: { token?: { expires_at?: string; catalog?: { type: string; endpoints: { interface: string; region?: string; region_id?: string; url: string }[] }[] } };
    try {
      parsed = JSON.parse(reply);
    } catch {
      throw new SwiftError('Keystone answered with a body that is not JSON', 502);
    }
    let storageUrl = this.o.endpoint ?? '';
    if (!storageUrl) {
      const svc = parsed.token?.catalog?.find((s) => s.type === (this.o.serviceType ?? 'object-store'));
      const ep = svc?.endpoints.find((e) => e.interface === (this.o.interface ?? 'public') && (!this.o.region || (e.region_id ?? e.region) === this.o.region));
      if (!ep) throw new SwiftError(`the Keystone catalog has no ${this.o.interface ?? 'public'} ${this.o.serviceType ?? 'object-store'} endpoint${this.o.region ? ` in region ${this.o.region}` : ''}`, 502);
      storageUrl = ep.url;
    }
    const exp = Date.parse(parsed.token?.expires_at ?? '');
    if (!token) throw new SwiftError('Keystone answered without a token', 502);
    return { token, storageUrl: storageUrl.replace(/\/+$/, ''), expiresAt: Number.isFinite(exp) ? exp : Infinity };
  }

  /** One HTTP exchange, with an optional body sent only after `100 Continue`. */
  private raw(method: string, url: URL, headers: OutgoingHttpHeaders, body?: string | (() => Readable)): Promise<IncomingMessage & { bodyTaken?: boolean }> {
    return new Promise((resolve, reject) => {
      const https = url.protocol === 'https:';
      const streamed = typeof body === 'function';
      const req = (https ? httpsRequest : httpRequest)(url, {
        method,
        agent: https ? this.agents.https : this.agents.http,
        headers: streamed ? { ...headers, Expect: '100-continue', ...(Object.keys(headers).some((h) => h.toLowerCase() === 'content-length') ? {} : { 'Transfer-Encoding': 'chunked' }) } : headers,
        timeout: this.o.timeoutMs ?? 60_000,
      });
      let taken = false;
      let bodyError: Error | undefined;
      req.on('timeout', () => req.destroy(new SwiftError(`no answer from ${url.host} within ${this.o.timeoutMs ?? 60_000} ms`, 504)));
      let answered = false;
      req.on('error', (e) => {
        // a kept-alive connection Swift had closed: nothing of the request was taken, so it is
        // sent again (on the next pooled connection, or a new one); a login is sent this way too
        const code = (e as NodeJS.ErrnoException).code;
        if (req.reusedSocket && !answered && !taken && (code === 'ECONNRESET' || code === 'EPIPE')) {
          resolve(this.raw(method, url, headers, body));
          return;
        }
        reject(bodyError ?? e);
      });
      req.on('response', (res: IncomingMessage & { bodyTaken?: boolean }) => {
        answered = true;
        // the limit covers waiting for Swift; a body read as slowly as its consumer reads is not idle
        req.setTimeout(0);
        res.bodyTaken = taken;
        // answered before the body was asked for: the request can never complete, so its socket goes
        if (streamed && !taken) res.on('end', () => req.destroy()).on('error', () => undefined);
        if (bodyError) {
          res.resume();
          reject(bodyError);
        } else resolve(res);
      });
      if (streamed) {
        req.on('continue', () => {
          taken = true;
          // the body flows as fast as its source (a client upload has its own idle limit)
          req.setTimeout(0);
          const src = body();
          pipeline(src, req).catch((e: Error) => {
            bodyError ??= e;
            req.destroy(e);
            reject(e);
          });
        });
        req.flushHeaders();
      } else req.end(body);
    });
  }

  /**
   * A request to the storage URL (`path` is `container[/object]`, already split). 401 is answered
   * by re-authenticating once and sending again when no byte of the body was taken.
   */
  async call(method: string, path: string, o: CallOptions = {}): Promise<SwiftResponse> {
    let renewed = false;
    let force = false;
    for (;;) {
      const a = await this.session(force);
      force = false;
      const url = new URL(`${a.storageUrl}/${path}`);
      for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
      const res = await this.raw(method, url, { ...o.headers, 'X-Auth-Token': a.token, ...(o.body ? {} : { 'Content-Length': '0' }) }, o.body);
      const status = res.statusCode ?? 0;
      if (status === 401 && !renewed && !res.bodyTaken) {
        renewed = force = true;
        res.resume();
        continue;
      }
      if ((status >= 200 && status < 300) || o.accept?.includes(status)) return { status, headers: res.headers, body: res };
      const detail = (await text(res).catch(() => '')).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
      const what = status === 401 ? 'the token was refused' : status === 403 ? 'access denied (the account lacks rights on it)' : detail || `HTTP ${status}`;
      throw new SwiftError(`${method} ${path.split('?')[0]}: ${what} (HTTP ${status})`, status);
    }
  }

  private static path(container: string, object?: string): string {
    return object === undefined ? enc(container) : `${enc(container)}/${object.split('/').map(enc).join('/')}`;
  }

  /** Whether the container exists; with `create`, creates it when missing. */
  async ensureContainer(container: string, create: boolean): Promise<void> {
    const head = await this.call('HEAD', SwiftClient.path(container), { accept: [404] });
    head.body.resume();
    if (head.status !== 404) return;
    if (!create) throw new SwiftError(`container ${container} does not exist`, 404);
    (await this.call('PUT', SwiftClient.path(container))).body.resume();
  }

  /** Streams `body()` into an object; returns the ETag (MD5) Swift computed. */
  async putObject(container: string, object: string, body: () => Readable, headers: OutgoingHttpHeaders = {}): Promise<string> {
    const res = await this.call('PUT', SwiftClient.path(container, object), { body, headers });
    res.body.resume();
    return String(res.headers.etag ?? '').replace(/"/g, '');
  }

  /** Server-side copy inside the account. */
  async copyObject(container: string, object: string, toContainer: string, toObject: string): Promise<void> {
    const res = await this.call('PUT', SwiftClient.path(toContainer, toObject), { headers: { 'X-Copy-From': `/${SwiftClient.path(container, object)}` } });
    res.body.resume();
  }

  /** Writes a Static Large Object manifest over `object`. */
  async putManifest(container: string, object: string, segments: { path: string; etag: string; size_bytes: number }[]): Promise<void> {
    const manifest = JSON.stringify(segments);
    const res = await this.call('PUT', SwiftClient.path(container, object), {
      query: { 'multipart-manifest': 'put' },
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(manifest) },
      body: () => Readable.from([Buffer.from(manifest)]),
    });
    res.body.resume();
  }

  /** The object's bytes, or bytes [start, end] of them; null when there is no such object. */
  async getObject(container: string, object: string, range?: { start: number; end: number }): Promise<SwiftResponse | null> {
    const res = await this.call('GET', SwiftClient.path(container, object), { headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {}, accept: [404] });
    if (res.status === 404) {
      res.body.resume();
      return null;
    }
    return res;
  }

  async headObject(container: string, object: string, query?: Record<string, string>): Promise<IncomingMessage['headers'] | null> {
    const res = await this.call('HEAD', SwiftClient.path(container, object), { accept: [404], query });
    res.body.resume();
    return res.status === 404 ? null : res.headers;
  }

  /** Deletes an object (with `manifest`, a Static Large Object and its segments); missing is fine. */
  async deleteObject(container: string, object: string, manifest = false): Promise<void> {
    const res = await this.call('DELETE', SwiftClient.path(container, object), { accept: [404], query: manifest ? { 'multipart-manifest': 'delete' } : undefined });
    res.body.resume();
  }

  /** Names of the objects of a container that start with `prefix` (every page). */
  async list(container: string, prefix = ''): Promise<string[]> {
    const names: string[] = [];
    let marker = '';
    for (;;) {
      const res = await this.call('GET', SwiftClient.path(container), { query: { format: 'json', prefix, marker, limit: '10000' }, accept: [404] });
      if (res.status === 404) {
        res.body.resume();
        return names;
      }
      const page = JSON.parse(await text(res.body, 64 << 20)) as { name: string }[];
      if (!page.length) return names;
      names.push(...page.map((p) => p.name));
      marker = page[page.length - 1].name;
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
