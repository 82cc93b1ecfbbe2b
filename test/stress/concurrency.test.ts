import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, download, upload } from '../helpers/image-data.js';

/**
 * Concurrency stress lane, end to end over HTTP against a real server: every round sends
 * WRITERS concurrent writes to each of several records at once, reads every record back and
 * counts the writes that were answered with success but are not there (lost updates). (It
 * replaces the API suite's old six-writer "concurrent PATCHes" check, which passed by luck.)
 *
 *   STRESS_ROUNDS     rounds per scenario (default 100)
 *   STRESS_SERIALIZE  MONGODB_SERIALIZE of the server (default auto; `off` puts the embedded
 *                     store behind an ordinary pool, for measurements)
 *   STRESS_REPORT     file that receives one JSON line per scenario (test/stress/run.ts sets it)
 */
const ROUNDS = Number(process.env.STRESS_ROUNDS ?? 100);
const WRITERS = 16;
const IMAGES = 4;
const PATCH21 = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };

let s: TestServer;
let admin: string, om: string;

before(async () => {
  s = await startServer({ MONGODB_SERIALIZE: process.env.STRESS_SERIALIZE ?? 'auto', IMAGE_MEMBER_QUOTA: '-1', IMAGE_TAG_QUOTA: '-1', IMAGE_PROPERTY_QUOTA: '-1' });
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  om = await s.token({ project: 'p1', roles: ['member'] });
});
after(() => s.close());

interface Tally {
  scenario: string;
  rounds: number;
  writers: number;
  /** Writes answered with success. */
  acked: number;
  /** Writes answered with success whose effect is missing when read back. */
  lost: number;
  /** Writes refused (status → count). */
  refused: Record<string, number>;
  ms: number;
}

function report(t: Tally): void {
  process.stdout.write(`# ${t.scenario}: ${t.lost} lost of ${t.acked} acknowledged writes, ${t.rounds} rounds x ${t.writers} writers, refused ${JSON.stringify(t.refused)}, ${t.ms} ms\n`);
  if (process.env.STRESS_REPORT) appendFileSync(process.env.STRESS_REPORT, `${JSON.stringify(t)}\n`);
}

/**
 * Runs `rounds` rounds of a scenario. `round` sends the writes of one round and returns, per
 * write, its status and a check that says whether its effect is present after the round.
 */
async function scenario(
  name: string,
  ok: number[],
  round: (r: number) => Promise<{ status: number; present: () => boolean | Promise<boolean> }[]>,
  writers = WRITERS,
): Promise<Tally> {
  const t: Tally = { scenario: name, rounds: ROUNDS, writers, acked: 0, lost: 0, refused: {}, ms: 0 };
  const started = Date.now();
  for (let r = 0; r < ROUNDS; r++) {
    const writes = await round(r);
    for (const w of writes) {
      if (ok.includes(w.status)) {
        t.acked++;
        if (!(await w.present())) t.lost++;
      } else {
        t.refused[w.status] = (t.refused[w.status] ?? 0) + 1;
      }
    }
  }
  t.ms = Date.now() - started;
  report(t);
  return t;
}

const newImages = () => Promise.all(Array.from({ length: IMAGES }, () => createImage(s, om, { visibility: 'shared' })));
/** Removes a round's images once read back: the embedded store scans every record on each lookup, so rounds must not slow each other down. */
const forget = async (imgs: Record<string, any>[]) => {
  await s.mongo.db.collection('images').deleteMany({ _id: { $in: imgs.map((i) => i.id as string) } as never });
};
const show = async (id: string) => (await call(s.url, 'GET', `/v2/images/${id}`, { token: om })).body;

test(`JSON-patch add of distinct properties: ${IMAGES} images x ${WRITERS} writers per round`, async () => {
  const t = await scenario('PATCH add', [200], async (r) => {
    const imgs = await newImages();
    const sent = await Promise.all(
      imgs.flatMap((img) =>
        Array.from({ length: WRITERS }, async (_, w) => ({ id: img.id as string, key: `p_${r}_${w}`, status: (await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: `/p_${r}_${w}`, value: String(w) }] })).status })),
      ),
    );
    const shown = new Map(await Promise.all(imgs.map(async (img) => [img.id as string, await show(img.id)] as const)));
    await forget(imgs);
    return sent.map((x) => ({ status: x.status, present: () => shown.get(x.id)![x.key] !== undefined }));
  });
  assert.equal(t.lost, 0, `${t.lost} acknowledged property adds were lost`);
  assert.deepEqual(t.refused, {}, 'every add is answered 200');
});

test(`tag adds: ${IMAGES} images x ${WRITERS} writers per round`, async () => {
  const t = await scenario('tag add', [204], async (r) => {
    const imgs = await newImages();
    const sent = await Promise.all(
      imgs.flatMap((img) => Array.from({ length: WRITERS }, async (_, w) => ({ id: img.id as string, tag: `t${r}-${w}`, status: (await call(s.url, 'PUT', `/v2/images/${img.id}/tags/t${r}-${w}`, { token: om })).status }))),
    );
    const shown = new Map(await Promise.all(imgs.map(async (img) => [img.id as string, new Set<string>((await show(img.id)).tags)] as const)));
    await forget(imgs);
    return sent.map((x) => ({ status: x.status, present: () => shown.get(x.id)!.has(x.tag) }));
  });
  assert.equal(t.lost, 0, `${t.lost} acknowledged tag adds were lost`);
  assert.deepEqual(t.refused, {});
});

test(`member adds: ${IMAGES} images x ${WRITERS} writers per round`, async () => {
  const t = await scenario('member add', [200], async (r) => {
    const imgs = await newImages();
    const sent = await Promise.all(
      imgs.flatMap((img) => Array.from({ length: WRITERS }, async (_, w) => ({ id: img.id as string, member: `m${r}-${w}`, status: (await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: { member: `m${r}-${w}` } })).status }))),
    );
    const listed = new Map(
      await Promise.all(imgs.map(async (img) => [img.id as string, new Set<string>((await call(s.url, 'GET', `/v2/images/${img.id}/members`, { token: om })).body.members.map((m: { member_id: string }) => m.member_id))] as const)),
    );
    await forget(imgs);
    return sent.map((x) => ({ status: x.status, present: () => listed.get(x.id)!.has(x.member) }));
  });
  assert.equal(t.lost, 0, `${t.lost} acknowledged member adds were lost`);
  assert.deepEqual(t.refused, {});
});

test(`metadef child creates (properties, objects, tags) in one namespace: ${WRITERS} writers per round`, async () => {
  const t = await scenario('metadef child create', [201], async (r) => {
    const ns = `Stress::R${r}`;
    const base = `/v2/metadefs/namespaces/${ns}`;
    assert.equal((await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: { namespace: ns, visibility: 'public' } })).status, 201);
    const sent = await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const kind = (['properties', 'objects', 'tags'] as const)[w % 3];
        const name = `c${w}`;
        const res =
          kind === 'tags'
            ? await call(s.url, 'POST', `${base}/tags/${name}`, { token: admin })
            : await call(s.url, 'POST', `${base}/${kind}`, { token: admin, body: kind === 'properties' ? { name, title: name, type: 'string' } : { name } });
        return { kind, name, status: res.status };
      }),
    );
    const body = (await call(s.url, 'GET', base, { token: admin })).body;
    const have = {
      properties: new Set(Object.keys(body.properties ?? {})),
      objects: new Set<string>((body.objects ?? []).map((o: { name: string }) => o.name)),
      tags: new Set<string>((body.tags ?? []).map((o: { name: string }) => o.name)),
    };
    assert.equal((await call(s.url, 'DELETE', base, { token: admin })).status, 204);
    return sent.map((x) => ({ status: x.status, present: () => have[x.kind].has(x.name) }));
  });
  assert.equal(t.lost, 0, `${t.lost} acknowledged child creates were lost`);
  assert.deepEqual(t.refused, {});
});

test(`two concurrent uploads to a queued image: exactly one wins (${WRITERS / 2} images x 2 uploads per round)`, async () => {
  let noWinner = 0;
  const t = await scenario('upload race', [204], async (r) => {
    const imgs = await Promise.all(Array.from({ length: WRITERS / 2 }, () => createImage(s, om)));
    const results = await Promise.all(
      imgs.map(async (img) => {
        const bodies = [0, 1].map((u) => Buffer.from(`round ${r} image ${img.id} upload ${u} `.repeat(64 * (u + 1))));
        // a transport error counts as a failed write; a broken download as a lost one
        const statuses = await Promise.all(bodies.map(async (b) => (await upload(s, om, img.id, b).catch(() => ({ status: 0 }))).status));
        const winners = statuses.flatMap((st, u) => (st === 204 ? [u] : []));
        const shown = await show(img.id);
        const data = winners.length ? await download(s, om, img.id).catch(() => undefined) : undefined;
        return { bodies, statuses, winners, shown, data };
      }),
    );
    await forget(imgs);
    const writes: { status: number; present: () => boolean }[] = [];
    for (const x of results) {
      if (x.winners.length === 0) noWinner++;
      for (let u = 0; u < 2; u++) {
        // a second acknowledged upload is a lost update by itself: only one body can be the image
        const mine = x.bodies[u];
        const md5 = createHash('md5').update(mine).digest('hex');
        writes.push({
          status: x.statuses[u],
          present: () => x.winners.length === 1 && x.shown.status === 'active' && x.shown.checksum === md5 && x.shown.size === mine.length && !!x.data && x.data.body.equals(mine),
        });
      }
    }
    return writes;
  });
  assert.equal(t.lost, 0, `${t.lost} acknowledged uploads are not the image's data`);
  assert.equal(noWinner, 0, 'every race has a winner');
  assert.deepEqual(Object.keys(t.refused), ['409'], 'the loser is answered 409');
  assert.equal(t.refused['409'], t.rounds * (WRITERS / 2) - noWinner, 'exactly one loser per race');
});
