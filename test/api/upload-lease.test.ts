/**
 * Transfer leases belong to the transfer that took them. A losing concurrent PUT once took the
 * image's lease before losing the queued → saving race and then deleted it on the way out, so a
 * sweeper (on any node) later reset the winner's live upload to queued.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.js';
import { createImage, download, getImage, upload } from '../helpers/image-data.js';
import { createLogger } from '../../src/log.js';
import { LeasesRepository } from '../../src/repositories/leases.js';
import { TransferLeases } from '../../src/services/image-data/leases.js';
import { TransferSweeper } from '../../src/services/image-data/sweeper.js';

const STALE_S = 10;
let s: TestServer;
let token: string;

before(async () => {
  s = await startServer({ UPLOAD_STALE_AFTER: String(STALE_S) });
  token = await s.token({ project: 'project-a', roles: ['member'] });
});
after(() => s.close());

/** Starts an upload that sends `first` and waits; `finish(rest)` completes it. */
function slowUpload(id: string, first: Buffer) {
  let resolveStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const req = httpRequest(`${s.url}/v2/images/${id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream' } }, (res) => {
    res.resume();
    res.on('end', () => resolveStatus(res.statusCode!));
  });
  req.on('error', () => resolveStatus(-1));
  req.write(first);
  return { status, finish: (rest: Buffer) => req.end(rest) };
}

test("a losing concurrent upload leaves the winner's lease alone; no sweeper resets the live upload", async () => {
  const img = await createImage(s, token);
  const head = randomBytes(64 * 1024);
  const tail = randomBytes(64 * 1024);
  const winner = slowUpload(img.id, head);
  // Wait until the winner holds the image in saving.
  for (let i = 0; (await getImage(s, token, img.id)).status !== 'saving'; i++) {
    assert.ok(i < 200, 'the first upload never reached saving');
    await new Promise((r) => setTimeout(r, 25));
  }
  const loser = await upload(s, token, img.id, randomBytes(1024));
  assert.equal(loser.status, 409, loser.text);

  // Another node's sweeper, after the stale period has passed with the upload still open.
  const log = createLogger('silent');
  const records = new LeasesRepository(s.mongo.db);
  const elsewhere = new TransferSweeper({
    repo: s.app.services.images.repo,
    leaseRecords: records,
    leases: new TransferLeases(records, 'another-node', STALE_S * 1000),
    stores: s.app.services.stores,
    staleMs: STALE_S * 1000,
    log,
  });
  await new Promise((r) => setTimeout(r, STALE_S * 1000 + 1500));
  assert.equal(await elsewhere.sweep(), 0, 'the live upload was reset');
  assert.equal((await getImage(s, token, img.id)).status, 'saving');

  winner.finish(tail);
  assert.equal(await winner.status, 204);
  const got = await download(s, token, img.id);
  assert.ok(got.body.equals(Buffer.concat([head, tail])));
});
