/**
 * SSRF guard for outgoing HTTP (the http store, web-download imports and `POST .../locations`):
 * only http(s), no credentials in URLs, and every address connected to must be public by IANA's
 * IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890) unless the host or address is
 * explicitly allowed (HTTP_ALLOWED_HOSTS). The address check runs in the socket's own DNS lookup,
 * so the address checked is the address connected to (no rebinding window); URL hosts that are
 * IP literals (which skip DNS) are checked before connecting; both again on every redirect hop.
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DomainError } from '../domain/errors.js';

/**
 * What a block means for a fetch: allowed, refused, or decided by the IPv4 address(es) it embeds.
 * Embedding blocks, and why each is checked or refused outright:
 * - IPv4-mapped ::ffff:0:0/96: checked. The socket connects to the embedded IPv4 address itself.
 * - NAT64 64:ff9b::/96 (globally reachable): checked. A translator connects to the embedded IPv4
 *   address; on DNS64 networks every IPv4-only site appears in this form.
 * - 6to4 2002::/16: checked. Packets go to the 6to4 router at the embedded IPv4 address.
 * - Teredo 2001::/32: checked, both the server address (bits 32-63) and the client address
 *   (bits 96-127, stored inverted): a relay sends to that client through that server.
 * - Local-use NAT64 64:ff9b:1::/48 (not globally reachable): refused. It exists to translate
 *   inside one operator's network, to private IPv4 too (RFC 8215), and where the IPv4 address
 *   sits depends on a locally chosen prefix length (RFC 6052 section 2.2), so it cannot be read.
 * - IPv4-compatible ::/96 (deprecated by RFC 4291) and IPv4-translated ::ffff:0:0:0/96 (SIIT,
 *   dropped by RFC 6145): refused. Neither is routable; stacks differ in what they do with them.
 */
type Rule = 'allow' | 'refuse' | 'mapped' | 'nat64' | '6to4' | 'teredo';

/**
 * IPv4: the IANA IPv4 Special-Purpose Address Registry, plus multicast 224.0.0.0/4 (IPv4 Address
 * Space registry). Every block not "Globally Reachable" is refused; the most specific block
 * decides. Refused blocks inside refused blocks are left out: 0.0.0.0/32, 192.0.0.0/29,
 * 192.0.0.8/32, 192.0.0.170-171/32, 192.88.99.2/32, 255.255.255.255/32. Globally reachable rows
 * outside any refused block need no entry: AS112 192.31.196.0/24 and 192.175.48.0/24, AMT
 * 192.52.193.0/24. Test oracle: test/fixtures/iana-special-purpose.json.
 */
const V4_RULES: [string, Rule, string][] = [
  ['0.0.0.0/0', 'allow', 'global unicast'],
  ['0.0.0.0/8', 'refuse', '"this network"'],
  ['10.0.0.0/8', 'refuse', 'private-use'],
  ['100.64.0.0/10', 'refuse', 'shared address space'],
  ['127.0.0.0/8', 'refuse', 'loopback'],
  ['169.254.0.0/16', 'refuse', 'link-local'],
  ['172.16.0.0/12', 'refuse', 'private-use'],
  ['192.0.0.0/24', 'refuse', 'IETF protocol assignments'],
  ['192.0.0.9/32', 'allow', 'PCP anycast'],
  ['192.0.0.10/32', 'allow', 'TURN anycast'],
  ['192.0.2.0/24', 'refuse', 'documentation'],
  ['192.88.99.0/24', 'refuse', 'deprecated 6to4 relay anycast'],
  ['192.168.0.0/16', 'refuse', 'private-use'],
  ['198.18.0.0/15', 'refuse', 'benchmarking'],
  ['198.51.100.0/24', 'refuse', 'documentation'],
  ['203.0.113.0/24', 'refuse', 'documentation'],
  ['224.0.0.0/4', 'refuse', 'multicast'],
  ['240.0.0.0/4', 'refuse', 'reserved'],
];

/**
 * IPv6: only global unicast 2000::/3 is reachable (IPv6 Address Space registry: the rest is
 * reserved by the IETF, unique-local, link-local, deprecated site-local or multicast), less the
 * IANA IPv6 Special-Purpose Address Registry's blocks that are not "Globally Reachable". Blocks
 * outside 2000::/3 are listed only for their names in refusals.
 */
const V6_RULES: [string, Rule, string][] = [
  ['::/0', 'refuse', 'not global unicast'],
  ['2000::/3', 'allow', 'global unicast'],
  ['::/128', 'refuse', 'unspecified'],
  ['::1/128', 'refuse', 'loopback'],
  ['::/96', 'refuse', 'IPv4-compatible (deprecated)'],
  ['::ffff:0:0/96', 'mapped', 'IPv4-mapped'],
  ['::ffff:0:0:0/96', 'refuse', 'IPv4-translated'],
  ['64:ff9b::/96', 'nat64', 'NAT64'],
  ['64:ff9b:1::/48', 'refuse', 'local-use NAT64'],
  ['100::/64', 'refuse', 'discard-only'],
  ['2001::/23', 'refuse', 'IETF protocol assignments'],
  ['2001::/32', 'teredo', 'Teredo'],
  ['2001:1::1/128', 'allow', 'PCP anycast'],
  ['2001:1::2/128', 'allow', 'TURN anycast'],
  ['2001:1::3/128', 'allow', 'DNS-SD SRP anycast'],
  ['2001:3::/32', 'allow', 'AMT'],
  ['2001:4:112::/48', 'allow', 'AS112-v6'],
  ['2001:20::/28', 'allow', 'ORCHIDv2'],
  ['2001:30::/28', 'allow', 'drone remote ID DETs'],
  ['2001:db8::/32', 'refuse', 'documentation'],
  ['2002::/16', '6to4', '6to4'],
  ['3fff::/20', 'refuse', 'documentation'],
  ['5f00::/16', 'refuse', 'SRv6 SIDs'],
  ['fc00::/7', 'refuse', 'unique-local'],
  ['fe80::/10', 'refuse', 'link-local'],
  ['fec0::/10', 'refuse', 'site-local (deprecated)'],
  ['ff00::/8', 'refuse', 'multicast'],
];

interface Block {
  net: Uint8Array;
  bits: number;
  rule: Rule;
  name: string;
}

/** Rules most specific first, so the first match decides. */
function compile(rules: [string, Rule, string][]): Block[] {
  return rules
    .map(([cidr, rule, name]) => {
      const [addr, bits] = cidr.split('/');
      const net = parseAddress(addr);
      if (!net) throw new Error(`bad rule ${cidr}`);
      return { net, bits: Number(bits), rule, name };
    })
    .sort((a, b) => b.bits - a.bits);
}

function inBlock(a: Uint8Array, b: Block): boolean {
  const whole = b.bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b.net[i]) return false;
  const rest = b.bits & 7;
  return rest === 0 || ((a[whole] ^ b.net[whole]) & (0xff00 >> rest) & 0xff) === 0;
}

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

/** The bytes (4 or 16) of a plain IP address (no brackets, no zone id), or null. */
function parseAddress(ip: string): Uint8Array | null {
  const family = isIP(ip);
  if (family === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (family !== 6 || ip.includes('%')) return null;
  const g = ipv6Groups(ip);
  return g ? Uint8Array.from(g.flatMap((x) => [x >> 8, x & 255])) : null;
}

const V4_BLOCKS = compile(V4_RULES);
const V6_BLOCKS = compile(V6_RULES);
const v4Text = (b: Uint8Array, at: number, invert = false) => Array.from(b.subarray(at, at + 4), (x) => (invert ? x ^ 255 : x)).join('.');

export interface AddressVerdict {
  public: boolean;
  /** The deciding block, e.g. `6to4 embedding 10.0.0.1: private-use`. */
  reason: string;
}

/** Whether an IP address is public by the special-purpose registries (no allow list applied). */
export function classifyAddress(ip: string): AddressVerdict {
  const text = ip.toLowerCase().replace(/^\[|\]$/g, '');
  // A zone id only means something for scoped (link-local, multicast) addresses: never public.
  if (text.includes('%')) return { public: false, reason: 'scoped address (zone id)' };
  const bytes = parseAddress(text);
  if (!bytes) return { public: false, reason: 'not an IP address' };
  if (bytes.length === 4) return verdict4(bytes);
  const block = V6_BLOCKS.find((b) => inBlock(bytes, b))!;
  const embedded = (at: number, invert = false) => ({ text: v4Text(bytes, at, invert), v: verdict4(Uint8Array.from(bytes.subarray(at, at + 4), (x) => (invert ? x ^ 255 : x))) });
  let inner: { text: string; v: AddressVerdict }[];
  if (block.rule === 'mapped' || block.rule === 'nat64') inner = [embedded(12)];
  else if (block.rule === '6to4') inner = [embedded(2)];
  else if (block.rule === 'teredo') inner = [embedded(4), embedded(12, true)];
  else return { public: block.rule === 'allow', reason: block.name };
  const bad = inner.find((e) => !e.v.public);
  return bad ? { public: false, reason: `${block.name} embedding ${bad.text}: ${bad.v.reason}` } : { public: true, reason: block.name };
}

function verdict4(bytes: Uint8Array): AddressVerdict {
  const block = V4_BLOCKS.find((b) => inBlock(bytes, b))!;
  return { public: block.rule === 'allow', reason: block.name };
}

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), or undefined. */
function mappedV4(ip: string): string | undefined {
  const g = isIP(ip) === 6 ? ipv6Groups(ip) : null;
  return g && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff ? `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}` : undefined;
}

/** IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) IPv6 → `a.b.c.d`; else unchanged. */
export function unwrapMapped(ip: string): string {
  const lower = ip.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = mappedV4(lower);
  if (mapped) return mapped;
  const g = isIP(lower) === 6 ? ipv6Groups(lower) : null;
  if (g && g.slice(0, 6).every((x) => x === 0) && g[6] !== 0) return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  return lower;
}

/** A host name as compared with the allow list: lower case, no brackets, no trailing dot. */
function hostKey(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** Resolves all addresses of a host name (dns.lookup; replaceable in tests). */
export type Resolver = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export class SsrfGuard {
  private readonly hosts = new Set<string>();
  private readonly nets = new BlockList();
  private hasNets = false;

  /**
   * `allow`: host names, IP addresses or CIDRs that may be reached even if not public (an allowed
   * IPv4 address or CIDR also allows its IPv4-mapped IPv6 form, the same destination).
   */
  constructor(
    allow: string[] = [],
    private readonly resolve: Resolver = dnsLookup as unknown as Resolver,
  ) {
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
        this.hosts.add(hostKey(item));
      }
    }
  }

  hostAllowed(host: string): boolean {
    return this.hosts.has(hostKey(host));
  }

  /** Whether `ip` may be connected to (for `host`): allowed by configuration, or public. */
  addressAllowed(ip: string, host?: string): boolean {
    return this.verdict(ip, host).public;
  }

  private verdict(ip: string, host?: string): AddressVerdict {
    if (host && this.hostAllowed(host)) return { public: true, reason: 'allowed host' };
    if (this.hasNets) {
      const plain = ip.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
      const family = isIP(plain);
      if (family && this.nets.check(plain, family === 4 ? 'ipv4' : 'ipv6')) return { public: true, reason: 'allowed address' };
      // Only the IPv4-mapped form is the same destination as its IPv4 address.
      const mapped = mappedV4(plain);
      if (mapped && this.nets.check(mapped, 'ipv4')) return { public: true, reason: 'allowed address' };
    }
    return classifyAddress(ip);
  }

  private refusal(host: string, ip: string, v: AddressVerdict): SsrfRefused {
    const where = hostKey(host) === hostKey(ip) ? ip : `${host} (${ip})`;
    return new SsrfRefused(`Refusing to connect to ${where}: not a public address (${v.reason}).`);
  }

  /**
   * A dns.lookup replacement for http.request that refuses non-public addresses: it is the lookup
   * the socket connects with, so every address checked is an address it may connect to.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const cb = callback as (e: Error | null, a?: string | LookupAddress[], f?: number) => void;
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err);
      if (!addresses?.length) return cb(new SsrfRefused(`Refusing to connect to ${hostname}: it has no address.`));
      for (const a of addresses) {
        const v = this.verdict(a.address, hostname);
        if (!v.public) return cb(this.refusal(hostname, a.address, v));
      }
      if ((options as { all?: boolean }).all) return cb(null, addresses);
      cb(null, addresses[0].address, addresses[0].family);
    });
  };

  /**
   * Checks a URL before any connection: scheme, credentials, literal IP hosts (which skip DNS;
   * the URL parser has already normalised 127.1, 0x7f.1, 2130706433...) and localhost names.
   */
  checkUrl(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SsrfRefused(`URL scheme ${url.protocol} is not allowed.`);
    if (url.username || url.password) throw new SsrfRefused('URLs with credentials are not allowed.');
    const host = hostKey(url.hostname);
    if (isIP(host)) {
      const v = this.verdict(host, host);
      if (!v.public) throw this.refusal(host, host, v);
      return;
    }
    // localhost and *.localhost are loopback by definition (RFC 6761), whatever DNS says.
    if ((host === 'localhost' || host.endsWith('.localhost')) && !this.hostAllowed(host)) throw new SsrfRefused(`Refusing to connect to ${host}: not a public address (loopback).`);
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
      // agent: false: a fresh socket every time. A pooled keep-alive socket of the global agent
      // may have been opened by other code, without the guard's lookup, to an internal host.
      { method: opts.method ?? 'GET', headers: opts.headers, lookup: guard.lookup, agent: false, timeout: opts.timeoutMs },
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
