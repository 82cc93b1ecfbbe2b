/**
 * SSRF guard for outgoing HTTP (the http store and web-download import): only http(s); every
 * address a host name resolves to must be public (no loopback, link-local, private, CGNAT,
 * unspecified, multicast, reserved; IPv4 and IPv6, IPv4-mapped IPv6 unwrapped) unless the host
 * or address is explicitly allowed. The check runs in the socket's own DNS lookup, so the address
 * connected to is the address checked (no rebinding window), and again on every redirect hop.
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DomainError } from '../domain/errors.js';

const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const BLOCKED_V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const blocked = new BlockList();
for (const [a, p] of BLOCKED_V4) blocked.addSubnet(a, p, 'ipv4');
for (const [a, p] of BLOCKED_V6) blocked.addSubnet(a, p, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (embedded dotted quads included), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const b = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(fill).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/** IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) IPv6 → `a.b.c.d`; else unchanged. */
export function unwrapMapped(ip: string): string {
  const lower = ip.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(lower) !== 6) return lower;
  const g = ipv6Groups(lower);
  if (!g) return lower;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4(g[6], g[7]);
  if (g.slice(0, 6).every((x) => x === 0) && g[6] !== 0) return v4(g[6], g[7]);
  return lower;
}

export class SsrfGuard {
  private readonly hosts = new Set<string>();
  private readonly nets = new BlockList();
  private hasNets = false;

  /** `allow`: host names, IP addresses or CIDRs that may be reached even if not public. */
  constructor(allow: string[] = []) {
    for (const raw of allow) {
      const item = raw.trim().toLowerCase();
      if (!item) continue;
      const [addr, bits] = item.split('/');
      const plain = unwrapMapped(addr);
      const family = isIP(plain);
      if (family) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`bad CIDR ${raw}`);
        this.nets.addSubnet(plain, prefix, type);
        this.hasNets = true;
      } else {
        this.hosts.add(item);
      }
    }
  }

  hostAllowed(host: string): boolean {
    return this.hosts.has(host.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  /** Whether `ip` may be connected to (for `host`). */
  addressAllowed(ip: string, host?: string): boolean {
    if (host && this.hostAllowed(host)) return true;
    const plain = unwrapMapped(ip);
    const family = isIP(plain);
    if (!family) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.hasNets && this.nets.check(plain, type)) return true;
    return !blocked.check(plain, type);
  }

  /** A dns.lookup replacement for http.request that refuses non-public addresses. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return (callback as (e: Error | null) => void)(err);
      const list = addresses as { address: string; family: number }[];
      const bad = list.find((a) => !this.addressAllowed(a.address, hostname));
      if (bad || !list.length) {
        const e = new SsrfRefused(`Refusing to connect to ${hostname} (${bad?.address ?? 'no address'}): not a public address.`);
        return (callback as (e: Error | null) => void)(e);
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: typeof list) => void)(null, list);
      (callback as (e: null, a: string, f: number) => void)(null, list[0].address, list[0].family);
    });
  };

  /** Checks a URL before any connection: scheme, and literal IP hosts (which skip DNS). */
  checkUrl(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SsrfRefused(`URL scheme ${url.protocol} is not allowed.`);
    if (url.username || url.password) throw new SsrfRefused('URLs with credentials are not allowed.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !this.addressAllowed(host, host)) throw new SsrfRefused(`Refusing to connect to ${host}: not a public address.`);
    if (!isIP(host) && host.toLowerCase() === 'localhost' && !this.hostAllowed(host)) throw new SsrfRefused('Refusing to connect to localhost.');
  }
}

export class SsrfRefused extends Error {}

export interface FetchOptions {
  method?: 'GET' | 'HEAD';
  headers?: OutgoingHttpHeaders;
  /** Connect + response-headers timeout, and socket idle timeout, in ms. */
  timeoutMs: number;
  maxRedirects: number;
}

/**
 * GET/HEAD `url` through the guard, following redirects (each hop re-checked). Resolves with the
 * final response (2xx), its body unread. Non-2xx → Error with `status`.
 */
export async function guardedFetch(guard: SsrfGuard, url: string, opts: FetchOptions): Promise<IncomingMessage & { finalUrl: string }> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    guard.checkUrl(current);
    const res = await once(guard, current, opts);
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hop >= opts.maxRedirects) throw new HttpFetchError(`Too many redirects fetching ${url}.`, status);
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new HttpFetchError(`Fetching ${current.href} answered ${status}.`, status);
    }
    return Object.assign(res, { finalUrl: current.href });
  }
}

export class HttpFetchError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function once(guard: SsrfGuard, url: URL, opts: FetchOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, lookup: guard.lookup, timeout: opts.timeoutMs },
      (res) => {
        clearTimeout(timer);
        res.setTimeout(opts.timeoutMs, () => res.destroy(new HttpFetchError(`Reading ${url.href} timed out.`, 504)));
        resolve(res);
      },
    );
    const timer = setTimeout(() => req.destroy(new HttpFetchError(`Fetching ${url.href} timed out.`, 504)), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new HttpFetchError(`Fetching ${url.href} timed out.`, 504)));
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}

/** Maps fetch failures to domain errors for API callers. */
export function fetchFailure(e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  if (e instanceof SsrfRefused) return new DomainError('Invalid', e.message);
  if (e instanceof HttpFetchError) return new DomainError('Unavailable', e.message);
  return new DomainError('Unavailable', `Remote data could not be fetched: ${(e as Error).message}`);
}
