import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedMongo } from '../../src/db/embedded.js';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { startServer, call } from '../helpers/server.js';

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });

async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return pred();
}

/** Starts the real entry point with zero configuration; resolves with its URL and the embedded store's port. */
function startMain(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/main.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', WORKERS: '1', PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'main-')), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<{ url: string; storePort: number }>((resolve, reject) => {
    let storePort = 0;
    const timer = setTimeout(() => reject(new Error('service did not start in 60 s')), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const store = /"uri":"mongodb:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (store) storePort = Number(store[1]);
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], storePort });
      }
    });
    child.once('exit', (code) => reject(new Error(`service exited early with ${code}`)));
  });
  ready.catch(() => undefined); // awaited by the tests that need it
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  return { child, ready, exited };
}

test('zero-config start serves the versions document; SIGTERM stops it and the embedded store', { timeout: 90_000 }, async () => {
  const { child, ready, exited } = startMain();
  const { url, storePort } = await ready;
  assert.ok(storePort > 0, 'the start log names the embedded store');
  const r = await call(url, 'GET', '/');
  assert.equal(r.status, 300);
  assert.ok(await portOpen(storePort));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(await waitFor(async () => !(await portOpen(storePort)), 5000), 'embedded store stopped');
});

test('SIGKILL of the service leaves no embedded store behind', { timeout: 90_000 }, async () => {
  const { child, ready, exited } = startMain();
  const { storePort } = await ready;
  child.kill('SIGKILL');
  await exited;
  assert.ok(await waitFor(async () => !(await portOpen(storePort)), 5000), 'embedded store stopped after SIGKILL');
});

test('a bad setting stops the service with one line naming it', { timeout: 30_000 }, async () => {
  const { child, exited } = startMain({ PORT: 'abc' });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  assert.equal(await exited, 2);
  assert.match(err.trim(), /^Invalid configuration: PORT must be an integer \(got "abc"\)$/);
});

test('readiness fails while MongoDB is unreachable and recovers when it returns', { timeout: 90_000 }, async () => {
  let db = await startEmbeddedMongo();
  const port = Number(new URL(db.uri).port);
  const s = await startServer({ MONGODB_URI: db.uri });
  try {
    assert.equal((await call(s.url, 'GET', '/readyz')).status, 200);
    await db.stop();
    const down = await call(s.url, 'GET', '/readyz');
    assert.equal(down.status, 503);
    assert.equal(down.body.checks.mongodb, 'unreachable');
    assert.equal((await call(s.url, 'GET', '/healthz')).status, 200, 'liveness is unaffected');
    db = await startEmbeddedMongo({ port });
    assert.ok(await waitFor(async () => (await call(s.url, 'GET', '/readyz')).status === 200, 30_000), 'readiness recovers');
  } finally {
    await s.close();
    await db.stop();
  }
});
