/**
 * The SSRF guard against IANA's special-purpose address registries: a table test over every
 * fixture row, and a seeded property test where the fixture is the oracle. Both go through the
 * guard the service uses (addressAllowed for resolved addresses, checkUrl for URL hosts).
 * SSRF_PROPERTY_RUNS runs the property test longer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SsrfGuard } from '../../src/stores/ssrf.js';
import { embed, first, fixture, last, middle, oracle, rows, textForms, v4Text, v4UrlHosts, v6Compressed, type Embeds, type Family, type Row } from '../helpers/iana-oracle.js';

const guard = new SsrfGuard();
const RUNS = Number(process.env.SSRF_PROPERTY_RUNS ?? 3000);
const SEED = Number(process.env.SSRF_PROPERTY_SEED ?? 0x55f);

function urlAllowed(host: string): boolean {
  try {
    guard.checkUrl(new URL(`http://${host}/image`));
    return true;
  } catch (e) {
    assert.match((e as Error).message, /not a public address/, host);
    return false;
  }
}

/** The guard's verdict on every text form, which must agree; also through a URL. */
function verdict(f: Family, v: bigint): boolean {
  const forms = textForms(f, v);
  const answers = forms.map((t) => guard.addressAllowed(t));
  answers.push(urlAllowed(f === 4 ? v4Text(v) : `[${v6Compressed(v)}]`));
  assert.ok(
    answers.every((a) => a === answers[0]),
    `forms of ${forms[0]} disagree: ${answers.join(',')}`,
  );
  return answers[0];
}

const PRIVATE_V4 = [0x0a000001n, 0x7f000001n, 0xa9fea9fen, 0xc0a80101n, 0x00000000n, 0x64400001n]; // 10.0.0.1 127.0.0.1 169.254.169.254 192.168.1.1 0.0.0.0 100.64.0.1
const PUBLIC_V4 = [0x08080808n, 0x01010101n, 0xc0000009n]; // 8.8.8.8 1.1.1.1 192.0.0.9 (PCP anycast, globally reachable)

describe('ssrf: every row of the IANA special-purpose registries', () => {
  it('the fixture names its sources and holds every registry row', () => {
    const ids = fixture.sources.map((s) => s.id);
    assert.ok(ids.includes('iana-ipv4-special-registry') && ids.includes('iana-ipv6-special-registry'));
    const count = (id: string) => rows.filter((r) => r.registry === id).length;
    // 25 IPv4 rows (the 192.0.0.170/171 row split in two) and 25 IPv6 rows.
    assert.equal(count('iana-ipv4-special-registry'), 26);
    assert.equal(count('iana-ipv6-special-registry'), 25);
  });

  for (const row of rows) {
    const samples: [string, bigint][] = [
      ['first', first(row)],
      ['middle', middle(row)],
      ['last', last(row)],
    ];
    it(`${row.block} ${row.name} (${row.registry}, globally reachable: ${row.globallyReachable || 'empty'})`, () => {
      for (const [where, v] of samples) {
        const want = oracle(row.family, v);
        assert.equal(verdict(row.family, v), want.allowed, `${where} address ${textForms(row.family, v)[0]}: expected ${want.allowed ? 'allowed' : 'refused'} by ${want.row?.block}`);
        // Where this row is the most specific, its own flag decides (embedding rows: see below).
        if (want.row === row && !row.checkEmbedded) assert.equal(want.allowed, row.globallyReachable === 'True');
      }
    });
    if (row.embeds) embeddingCase(row, row.embeds);
  }

  function embeddingCase(row: Row, kind: Embeds) {
    it(`${row.block} embeds IPv4 (${kind}): private refused, public ${row.checkEmbedded ? 'allowed' : 'refused too'}`, () => {
      for (const p of PRIVATE_V4) {
        const v = embed(kind, p);
        assert.equal(verdict(6, v), false, `${v6Compressed(v)} embeds ${v4Text(p)}`);
        assert.equal(oracle(6, v).allowed, false);
      }
      for (const p of PUBLIC_V4) {
        const v = embed(kind, p);
        assert.equal(verdict(6, v), !!row.checkEmbedded, `${v6Compressed(v)} embeds ${v4Text(p)}`);
        assert.equal(oracle(6, v).allowed, !!row.checkEmbedded);
      }
      if (kind === 'teredo') {
        // Both the server and the (obfuscated) client address must be public.
        assert.equal(verdict(6, embed(kind, 0x08080808n, 0x0a000001n)), false, 'public server, private client');
        assert.equal(verdict(6, embed(kind, 0x0a000001n, 0x08080808n)), false, 'private server, public client');
        assert.equal(verdict(6, embed(kind, 0x08080808n, 0x01010101n)), true, 'both public');
      }
      if (kind === 'nat64-local') {
        // RFC 6052 /48 layout: IPv4 in bits 48-63 and 72-87, around the u octet.
        const p = 0x08080808n;
        const v = (0x64ff9b0001n << 80n) | ((p >> 16n) << 64n) | ((p & 0xffffn) << 40n);
        assert.equal(verdict(6, v), false);
      }
    });
  }

  it('the three gaps of the issue: 6to4, local-use NAT64 and IPv4-translated, embedding private IPv4', () => {
    for (const host of ['2002:a00:1::1', '2002:7f00:1::', '2002:a9fe:a9fe::1', '64:ff9b:1::a00:1', '64:ff9b:1::7f00:1', '::ffff:0:a00:1', '::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe']) {
      assert.equal(guard.addressAllowed(host), false, host);
      assert.equal(urlAllowed(`[${host}]`), false, host);
    }
  });
});

// ---- property test: the fixture is the oracle ----

const u32 = fc.bigInt({ min: 0n, max: 0xffffffffn });
const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const rows4 = rows.filter((r) => r.family === 4);
const rows6 = rows.filter((r) => r.family === 6);
const inRow = (rs: Row[]) =>
  fc.tuple(fc.constantFrom(...rs), u128).map(([r, x]) => r.net | (x & ((1n << BigInt((r.family === 4 ? 32 : 128) - r.bits)) - 1n)));
/** IPv4 addresses: uniform, and inside (or at the edge of) a special block. */
const anyV4 = fc.oneof(u32, inRow(rows4), inRow(rows4).map((v) => (v + 1n) & 0xffffffffn), inRow(rows4).map((v) => (v - 1n) & 0xffffffffn));
const embeddings: Embeds[] = ['ipv4-mapped', 'ipv4-compatible', 'ipv4-translated', 'nat64', 'nat64-local', '6to4', 'teredo'];
/** IPv6 addresses: uniform, inside a block, and every embedding of an interesting IPv4. */
const anyV6 = fc.oneof(
  u128,
  inRow(rows6),
  fc.tuple(fc.constantFrom(...embeddings), anyV4, anyV4).map(([e, a, b]) => embed(e, a, b)),
);

describe('ssrf: property, guard verdict = verdict of the IANA table', () => {
  it(`random IPv4 addresses, every URL spelling (${RUNS} runs, seed ${SEED})`, () => {
    fc.assert(
      fc.property(anyV4, (v) => {
        const want = oracle(4, v).allowed;
        assert.equal(guard.addressAllowed(v4Text(v)), want, v4Text(v));
        for (const host of v4UrlHosts(v)) assert.equal(urlAllowed(host), want, host);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`random IPv6 addresses, every text form (${RUNS} runs, seed ${SEED})`, () => {
    fc.assert(
      fc.property(anyV6, (v) => {
        assert.equal(verdict(6, v), oracle(6, v).allowed, v6Compressed(v));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
