/**
 * The SSRF guard on the wire: the address the socket connects to is the address checked (names
 * resolved through the guard's lookup, on every redirect hop, never a pooled socket opened
 * without it), plus host spellings (trailing dots, zone ids, localhost) and the allow list.
 * A fake resolver stands in for DNS; the web server is real, on 127.0.0.1.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { SsrfGuard, guardedFetch, type Resolver } from '../../src/stores/ssrf.js';

let server: Server;
let port: number;
const hits: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.headers.host} ${req.url}`);
    if (req.url === '/hop') {
      res.writeHead(302, { location: `http://img.test:${port}/final` });
      return res.end();
    }
    res.writeHead(200, { 'content-length': 2 });
    res.end('ok');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** A resolver answering from `answers` (one list per call, the last one repeating). */
function fakeDns(answers: Record<string, string[][]>) {
  const calls: string[] = [];
  const resolve: Resolver = (hostname, options, cb) => {
    calls.push(hostname);
    assert.equal(options.all, true, 'the guard sees every address');
    const list = answers[hostname.replace(/\.$/, '')];
    if (!list) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    const addrs = list[Math.min(calls.filter((c) => c === hostname).length - 1, list.length - 1)];
    cb(
      null,
      addrs.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return { resolve, calls };
}

const fetchOpts = { timeoutMs: 2000, maxRedirects: 3 };
const body = async (res: AsyncIterable<Buffer>) => {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c);
  return Buffer.concat(parts).toString();
};

describe('ssrf: the address connected to is the address checked', () => {
  it('connects to the address the guard resolved and checked', async () => {
    const dns = fakeDns({ 'img.test': [['127.0.0.1']] });
    const res = await guardedFetch(new SsrfGuard(['127.0.0.1/32'], dns.resolve), `http://img.test:${port}/x`, fetchOpts);
    assert.equal(await body(res), 'ok');
    assert.deepEqual(dns.calls, ['img.test']);
    assert.equal(hits.at(-1), `img.test:${port} /x`);
  });

  it('refuses a name when any of its addresses is not public, before connecting', async () => {
    for (const bad of ['10.0.0.1', '2002:a00:1::1', '64:ff9b:1::a00:1', '::ffff:0:a00:1', '2001:0:a00:1::f5ff:fffe', 'fe80::1', '::ffff:169.254.169.254']) {
      const before = hits.length;
      const dns = fakeDns({ 'img.test': [['8.8.8.8', bad]] });
      await assert.rejects(guardedFetch(new SsrfGuard([], dns.resolve), `http://img.test:${port}/x`, fetchOpts), /not a public address/, bad);
      assert.equal(hits.length, before, `no request was made for ${bad}`);
    }
    // https sockets connect through the same lookup.
    const dns = fakeDns({ 'img.test': [['10.0.0.1']] });
    await assert.rejects(guardedFetch(new SsrfGuard([], dns.resolve), 'https://img.test/x', fetchOpts), /img\.test \(10\.0\.0\.1\): not a public address/);
    assert.deepEqual(dns.calls, ['img.test']);
  });

  it('resolves and checks again on every redirect hop (DNS rebinding)', async () => {
    // First answer allowed loopback, then the name "rebinds" to 6to4-wrapped loopback.
    const dns = fakeDns({ 'img.test': [['127.0.0.1'], ['2002:7f00:1::1']] });
    const before = hits.length;
    await assert.rejects(guardedFetch(new SsrfGuard(['127.0.0.1/32'], dns.resolve), `http://img.test:${port}/hop`, fetchOpts), /img\.test \(2002:7f00:1::1\): not a public address \(6to4 embedding 127\.0\.0\.1: loopback\)/);
    assert.deepEqual(dns.calls, ['img.test', 'img.test']);
    assert.deepEqual(hits.slice(before), [`img.test:${port} /hop`]);
  });

  it('never reuses a pooled keep-alive socket that other code opened without the guard', async () => {
    // Other code in the process fetches img.test (resolving to loopback) through the global agent.
    await new Promise<void>((resolve, reject) => {
      httpGet({ host: 'img.test', port, path: '/other', lookup: (_h, _o, cb) => (cb as (e: null, a: LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]) }, (res) => {
        res.resume();
        res.on('end', () => setImmediate(resolve));
      }).on('error', reject);
    });
    const before = hits.length;
    const dns = fakeDns({ 'img.test': [['10.0.0.1']] });
    await assert.rejects(guardedFetch(new SsrfGuard([], dns.resolve), `http://img.test:${port}/x`, fetchOpts), /not a public address \(private-use\)/);
    assert.equal(hits.length, before, 'the pooled socket to loopback was not used');
  });
});

describe('ssrf: host spellings and the allow list', () => {
  const guard = new SsrfGuard();
  const refused = (url: string) => assert.throws(() => guard.checkUrl(new URL(url)), /not a public address/, url);

  it('refuses loopback however the URL spells it', () => {
    for (const url of ['http://127.1/', 'http://0x7f.1/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://127.0.0.1./', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/', 'http://localhost/', 'http://LOCALHOST./', 'http://a.b.localhost/', 'https://[2002:7f00:1::]:8443/']) refused(url);
    guard.checkUrl(new URL('http://example.com./image')); // names are checked when resolved
    guard.checkUrl(new URL('http://[2606:4700::1111]/')); // a public IPv6 literal
  });

  it('zone ids: not valid in URLs, never public as resolved addresses', () => {
    assert.throws(() => new URL('http://[fe80::1%25eth0]/'));
    assert.equal(guard.addressAllowed('fe80::1%eth0'), false);
    assert.equal(guard.addressAllowed('2001:4860:4860::8888%eth0'), false);
    assert.equal(guard.addressAllowed('2001:4860:4860::8888'), true);
  });

  it('refusals name the block that decided', () => {
    assert.throws(() => guard.checkUrl(new URL('http://[64:ff9b::a9fe:a9fe]/')), /NAT64 embedding 169\.254\.169\.254: link-local/);
    assert.throws(() => guard.checkUrl(new URL('http://[64:ff9b:1::808:808]/')), /local-use NAT64/);
    assert.throws(() => guard.checkUrl(new URL('http://[::ffff:0:808:808]/')), /IPv4-translated/);
    assert.throws(() => guard.checkUrl(new URL('http://[2001:0:808:808:8000:f227:f5ff:fffe]/')), /Teredo embedding 10\.0\.0\.1: private-use/);
  });

  it('HTTP_ALLOWED_HOSTS keeps its meaning: allowed hosts (any spelling) and CIDRs', async () => {
    const dns = fakeDns({ 'internal.example': [['10.0.0.7']], 'img.test': [['127.0.0.1']] });
    const g = new SsrfGuard(['Internal.Example.', '10.1.0.0/16', 'fd00::/8', '127.0.0.1'], dns.resolve);
    assert.equal(g.addressAllowed('10.0.0.7', 'internal.example.'), true);
    g.checkUrl(new URL('http://INTERNAL.example./'));
    await new Promise<void>((resolve, reject) =>
      g.lookup('internal.example', { all: true }, (err, addrs) => {
        if (err) return reject(err);
        assert.deepEqual(addrs, [{ address: '10.0.0.7', family: 4 }]);
        resolve();
      }),
    );
    assert.equal(g.addressAllowed('10.1.2.3'), true);
    assert.equal(g.addressAllowed('::ffff:10.1.2.3'), true, 'the IPv4-mapped form is the same destination');
    assert.equal(g.addressAllowed('10.2.0.1'), false);
    assert.equal(g.addressAllowed('2002:a01:203::1'), false, 'other embeddings need their own IPv6 entry');
    assert.equal(g.addressAllowed('fd00::1'), true);
    assert.equal(g.addressAllowed('fc00::1'), false);
    const res = await guardedFetch(g, `http://img.test:${port}/allowed`, fetchOpts);
    assert.equal(await body(res), 'ok');
  });
});
