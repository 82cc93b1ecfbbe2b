/**
 * Schema-driven fuzzing of the whole API (issue 14). For every operation in the OpenAPI
 * document, requests generated from the document's own schemas and parameters (then
 * mutated) are sent as five personas to the service running as a child process.
 *
 * Asserted: no 5xx (501 is allowed, 503 only where the operation documents it), no hang
 * (a per-request deadline), the process stays up (/healthz after every batch, its exit
 * observed, its error log kept), and a refused write (4xx) changes nothing: the targeted
 * resource and its listing read back the same before and after.
 *
 *   npm run test:fuzz                        a seeded run within the CI budget
 *   FUZZ_SEED=123 npm run test:fuzz          reproduces the run with that seed
 *   FUZZ_RUNS=40 npm run test:fuzz           requests per operation and persona (default 10)
 *   FUZZ_ONLY=updateImage,createImage ...    only these operations
 *   FUZZ_BUDGET_S=240                        past it, one request per operation and persona
 *
 * Ends with `fuzz: N requests over N operations, N 5xx, N crashes`; exits non-zero on any
 * 5xx, crash, hang or changed state.
 */
import fc from 'fast-check';
import { loadOpenApiDocument } from '../../src/openapi.js';
import { startEmbeddedMongo } from '../../src/db/embedded.js';
import { Deriver, MUTATION_KINDS } from './derive.js';
import { listOperations, specArb, toRequest, type Operation } from './requests.js';
import { refreshPools, seed, type Personas, type Pools } from './seed.js';
import { send, startTarget, type Answer, type Sent, type Target } from './target.js';
import { excluded } from './exclusions.js';
import { Snapshots } from './readback.js';

// CI runs one fixed seed (a landing is never decided by luck); elsewhere each run explores a new one.
const seedValue = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI ? 2026 : Math.floor(Math.random() * 2 ** 31);
const runs = Number(process.env.FUZZ_RUNS ?? 10);
const only = process.env.FUZZ_ONLY?.split(',').filter(Boolean);
const TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 15_000);
// past the budget every remaining operation still gets one request per persona
const deadline = Date.now() + Number(process.env.FUZZ_BUDGET_S ?? 240) * 1000;
console.log(`fuzz: seed ${seedValue} (FUZZ_SEED=${seedValue} reproduces), ${runs} runs per operation and persona`);

const mongo = process.env.TEST_MONGODB_URI ? undefined : await startEmbeddedMongo();
const target = await startTarget(process.env.TEST_MONGODB_URI ?? mongo!.uri);
const personas: Personas = {
  admin: await target.token('project-admin', ['admin', 'member', 'reader']),
  memberA: await target.token('project-a', ['member', 'reader']),
  memberB: await target.token('project-b', ['member', 'reader']),
  reader: await target.token('project-a', ['reader']),
};
const asPersona: [string, string | undefined][] = [['anonymous', undefined], ['reader', personas.reader], ['memberB', personas.memberB], ['memberA', personas.memberA], ['admin', personas.admin]];

const doc = loadOpenApiDocument();
const deriver = new Deriver(doc);
const imageSchema = JSON.parse((await send(target.url, { method: 'GET', path: '/v2/schemas/image', headers: { 'X-Auth-Token': personas.admin } }, TIMEOUT_MS)).text);
// reads first, then writes, deletes last: what is deleted would otherwise leave later operations nothing real to hit
const rank = (op: Operation) => (op.method === 'GET' ? 0 : op.method === 'DELETE' ? 2 : 1);
const operations = listOperations(doc)
  .filter((op) => !only || only.includes(op.operationId))
  .sort((a, b) => rank(a) - rank(b));

interface Finding {
  kind: '5xx' | 'hang' | 'crash' | 'changed' | 'error-log';
  op: string;
  persona: string;
  request: string;
  detail: string;
}
const findings: Finding[] = [];
// printed as found: a run stopped from outside still shows what it found
const report = (f: Finding) => {
  findings.push(f);
  console.log(`\n[${f.kind}] ${f.op} as ${f.persona}\n  ${f.request}\n  ${f.detail}`);
};
let requests = 0;
let fivexx = 0;
let skipped = 0;
const statuses: Record<string, Record<string | number, number>> = {};
const reseeded = { count: 0 };
const snapshots = new Snapshots(doc, target, personas.admin, TIMEOUT_MS);

await seed(target, personas);
let pools: Pools = await refreshPools(target, personas, reseeded);

const describe = (r: Sent) => {
  const body = r.body === undefined ? '' : Buffer.isBuffer(r.body) ? ` <${r.body.length} bytes>` : ` ${JSON.stringify(r.body.length > 300 ? r.body.slice(0, 300) + `…(${r.body.length})` : r.body)}`;
  const path = r.path.length > 300 ? `${r.path.slice(0, 300)}…(${r.path.length})` : r.path;
  return `${r.method} ${path} [${Object.entries(r.headers ?? {}).filter(([k]) => k !== 'X-Auth-Token').map(([k, v]) => `${k}: ${v.slice(0, 80)}`).join('; ')}]${body}`;
};

const allowed5xx = (op: Operation, status: number) => status === 501 || (status === 503 && op.responses.includes('503'));

async function ensureAlive(op: Operation, persona: string, last: string): Promise<void> {
  const health = await send(target.url, { method: 'GET', path: '/healthz' }, TIMEOUT_MS);
  if (health.status === 200 && target.alive()) return;
  await new Promise((r) => setTimeout(r, 200));
  if (target.alive()) {
    // up but not answering: a stalled event loop is a hang of every request at once
    report({ kind: 'hang', op: op.operationId, persona, request: last, detail: `/healthz answered ${health.status || health.failure}: the service stalled; restarted` });
  } else {
    const crash = target.crashes.at(-1);
    report({ kind: 'crash', op: op.operationId, persona, request: last, detail: crash ? `exit ${crash.code ?? crash.signal}; last log:\n${crash.lastLog.slice(-8).join('\n')}` : 'the process is gone' });
  }
  await target.restart();
  pools = await refreshPools(target, personas, reseeded);
}

for (const [opIndex, op] of operations.entries()) {
  const arb = specArb(op, deriver, { imageSchema });
  // the systematic pass: every mutation kind once per operation, as the personas that may write
  const systematic = MUTATION_KINDS.map((kind, k) => ({ kind, arb: specArb(op, deriver, { imageSchema }, kind), k }));
  for (const [personaIndex, [persona, token]] of asPersona.entries()) {
    const specs = fc.sample(arb, { seed: seedValue + opIndex * 1009 + personaIndex * 7, numRuns: Date.now() < deadline ? runs : 1 });
    if (persona === 'memberA' || persona === 'admin') {
      for (const s of systematic) specs.unshift(...fc.sample(s.arb, { seed: seedValue + opIndex * 1009 + personaIndex * 7 + s.k * 13, numRuns: s.kind === 'oddKey' || s.kind === 'oddString' ? 3 : 1 }));
    }
    let last = '';
    for (const spec of specs) {
      const r = toRequest(op, spec, pools, token);
      const why = excluded(op, r, pools);
      if (why) {
        skipped++;
        continue;
      }
      last = describe(r);
      const isWrite = op.method !== 'GET';
      const before = isWrite ? await snapshots.take(r.path) : undefined;
      const errorsBefore = target.errorLog.length;
      const a: Answer = await send(target.url, r, TIMEOUT_MS);
      if (a.status === -1) {
        skipped++; // the HTTP client itself refused to send it
        continue;
      }
      requests++;
      const byStatus = (statuses[op.operationId] ??= {});
      byStatus[a.status || a.failure!] = (byStatus[a.status || a.failure!] ?? 0) + 1;
      if (a.failure === 'timeout') report({ kind: 'hang', op: op.operationId, persona, request: last, detail: `no answer within ${TIMEOUT_MS} ms` });
      else if (a.failure === 'error' && !target.alive()) {
        /* the crash is recorded by ensureAlive below */
      } else if (a.status >= 500 && !allowed5xx(op, a.status)) {
        fivexx++;
        await new Promise((res) => setTimeout(res, 50)); // let the error line arrive
        report({ kind: '5xx', op: op.operationId, persona, request: last, detail: `${a.status} ${a.text.slice(0, 300)}\n    log: ${target.errorLog.slice(errorsBefore).map((l) => l.slice(0, 1500)).join('\n    log: ') || '(none)'}` });
      } else if (before && a.status >= 400 && a.status < 500) {
        const after = await snapshots.take(r.path);
        const diff = snapshots.diff(before, after);
        // a difference is confirmed by sending the same refused request again: background
        // work (imports, cache fills) may change state between two snapshots on its own
        if (diff) {
          const again = await snapshots.stable(r.path);
          const a2 = await send(target.url, r, TIMEOUT_MS);
          const diff2 = a2.status >= 400 && a2.status < 500 ? snapshots.diff(again, await snapshots.take(r.path)) : undefined;
          if (diff2) report({ kind: 'changed', op: op.operationId, persona, request: last, detail: `answered ${a.status} yet changed: ${diff2}` });
        }
      }
      if (!target.alive()) await ensureAlive(op, persona, last);
    }
    await ensureAlive(op, persona, last);
  }
  pools = await refreshPools(target, personas, reseeded);
}

const knownErrors = new Set(findings.filter((f) => f.kind === '5xx').flatMap((f) => f.detail.split('\n')));
const strayErrors = target.errorLog.filter((l) => ![...knownErrors].some((k) => k.includes(l.slice(0, 200))));
await target.stop();
await mongo?.stop();

if (process.env.FUZZ_VERBOSE) for (const [id, st] of Object.entries(statuses)) console.log(`  ${id}: ${Object.entries(st).map(([k, v]) => `${k}×${v}`).join(' ')}`);
const without2xx = operations.filter((op) => !Object.keys(statuses[op.operationId] ?? {}).some((k) => k.startsWith('2'))).map((op) => op.operationId);
console.log(`fuzz: operations with no 2xx answer in this run: ${without2xx.join(', ') || 'none'}`);
if (strayErrors.length) console.log(`\nerror log lines not tied to a 5xx answer (${strayErrors.length}):\n${strayErrors.slice(0, 20).map((l) => `  ${l.slice(0, 600)}`).join('\n')}`);
const hangs = findings.filter((f) => f.kind === 'hang').length;
const changed = findings.filter((f) => f.kind === 'changed').length;
const crashes = findings.filter((f) => f.kind === 'crash').length;
console.log(`\nfuzz: seed ${seedValue}; ${hangs} hangs, ${changed} refused writes that changed state, ${skipped} inputs skipped (excluded or unsendable), ${reseeded.count} reseeds`);
console.log(`fuzz: ${requests} requests over ${operations.length} operations, ${fivexx} 5xx, ${crashes} crashes`);
process.exit(fivexx || crashes || hangs || changed ? 1 : 0);
