/**
 * Nova lane: does the validate endpoint give Nova's answer? Nova's own extra-spec validators
 * (Debian's python3-nova, through scripts/nova-extra-specs.py) are the oracle.
 *
 *   embedded MongoDB → the service (test/helpers/server.ts) with the catalogue the zero-config
 *   start loads → for every fixed-name validator of Nova's registry, and two sampled names of
 *   every parameterised one, values on both sides of its rule → POST
 *   /v2/metadefs/resource_types/OS::Nova::Flavor/validate/batch → compared with Nova's verdict on
 *   the same key and value. Then the drift report against the checked-in snapshot, for flavor
 *   extra specs and for the image properties Nova reads as enums and integers.
 *
 * Run with `npm run test:nova`. The last line is `nova agreement: K/N keys, A/V verdicts`: fixed
 * names the catalogue knows, and agreeing verdicts among the keys it knows (families included).
 * The exit code is non-zero unless every fixed name is known, every verdict agrees, every sampled
 * family name is known, and the drift report is clean.
 *
 * Environment: NOVA_PYTHON (default /usr/bin/python3), NOVA_LANE_METADEFS (directories to load,
 * separated by ':'; default: what the zero-config start loads), NOVA_LANE_NO_DRIFT=1 (skip the
 * drift report, e.g. to measure an older catalogue).
 */
import { startEmbeddedMongo } from '../../src/db/embedded.js';
import { defaultCorpusDirs } from '../../src/services/metadefs/index.js';
import { DEFAULT_PYTHON, NovaUnavailable, novaVerdicts, readInstalledRegistry, readSnapshot, type NovaRegistry } from '../../scripts/nova/registry.js';
import { driftReport, formatDrift, readDirs } from '../../scripts/nova/drift.js';
import { formatImageReport, imageReport } from '../../scripts/nova/image.js';
import { call } from '../helpers/server.js';
import { buildCases, type Case } from './cases.js';

const RT = 'OS::Nova::Flavor';
const CHUNK = 500;
const log = (msg: string) => console.log(`nova-lane: ${msg}`);

let registry: NovaRegistry;
try {
  registry = await readInstalledRegistry(DEFAULT_PYTHON);
} catch (e) {
  if (e instanceof NovaUnavailable) {
    console.error(`nova-lane: Nova is not installed for ${DEFAULT_PYTHON} (${e.message}); install python3-nova (scripts/e2e-setup.sh python3-nova)`);
    process.exit(1);
  }
  throw e;
}
const cases = buildCases(registry.validators);
const fixedNames = registry.validators.filter((v) => !v.parameters.length).map((v) => v.name);
log(`Nova ${registry.nova_version}: ${registry.validators.length} validators (${fixedNames.length} fixed names), ${cases.length} cases`);

const oracle = await novaVerdicts(cases.map((c) => ({ name: c.key, value: c.value })));
// Every rule that can refuse a value must be seen refusing one and accepting one.
const sides = new Map<string, Set<boolean>>();
cases.forEach((c, i) => sides.set(c.validator, (sides.get(c.validator) ?? new Set()).add(oracle[i].valid)));
const oneSided = registry.validators.filter((v) => (v.value.type !== 'str' || v.value.enum || v.value.pattern) && sides.get(v.name)!.size < 2).map((v) => v.name);
if (oneSided.length) throw new Error(`the samples do not reach both verdicts for ${oneSided.join(', ')}`);

const mongo = await startEmbeddedMongo();
process.env.TEST_MONGODB_URI = mongo.uri;
const { startServer } = await import('../helpers/server.js');
const dirs = process.env.NOVA_LANE_METADEFS ?? defaultCorpusDirs().join(':');
const s = await startServer({ METADEFS_AUTOLOAD_DIR: dirs, VALIDATION_MAX_BATCH: String(CHUNK) });
let code = 0;
try {
  const token = await s.token({ project: 'nova-lane', roles: ['admin'] });
  const ours: string[] = [];
  for (let i = 0; i < cases.length; i += CHUNK) {
    const chunk = cases.slice(i, i + CHUNK);
    const r = await call(s.url, 'POST', `/v2/metadefs/resource_types/${encodeURIComponent(RT)}/validate/batch`, {
      token,
      body: { items: chunk.map((c) => ({ properties: { [c.key]: c.value } })) },
    });
    if (r.status !== 200) throw new Error(`validate/batch answered ${r.status}: ${r.text.slice(0, 500)}`);
    for (const [j, item] of (r.body.items as { properties: Record<string, { status: string; message?: string }> }[]).entries()) {
      ours.push(item.properties[chunk[j].key].status);
    }
  }

  const known = new Set<string>();
  const familyKeys = new Set<string>();
  const familyKnown = new Set<string>();
  let compared = 0;
  let agree = 0;
  const disagreements: string[] = [];
  cases.forEach((c: Case, i) => {
    if (!c.fixed) familyKeys.add(c.key);
    if (ours[i] === 'unknown') return;
    if (c.fixed) known.add(c.key);
    else familyKnown.add(c.key);
    compared++;
    const nova = oracle[i].valid ? 'valid' : 'invalid';
    if (nova === ours[i]) agree++;
    else disagreements.push(`${c.key}=${JSON.stringify(c.value)}: Nova says ${nova}, the service ${ours[i]}`);
  });
  const unknownFixed = fixedNames.filter((n) => !known.has(n));
  if (unknownFixed.length) log(`fixed names the catalogue does not know (${unknownFixed.length}): ${unknownFixed.join(' ')}`);
  for (const d of disagreements.slice(0, 60)) log(`disagree: ${d}`);
  if (disagreements.length > 60) log(`... and ${disagreements.length - 60} more disagreements`);
  log(`families: ${familyKnown.size}/${familyKeys.size} sampled names known`);
  if (unknownFixed.length || disagreements.length || familyKnown.size !== familyKeys.size) code = 1;

  if (process.env.NOVA_LANE_NO_DRIFT !== '1') {
    // Against the checked-in snapshot, as CI without Nova would run it; then is the snapshot current?
    const snapshot = readSnapshot();
    if (!snapshot) throw new Error('no registry snapshot: run npm run metadefs -- import-nova');
    const report = driftReport({ dirs: dirs.split(':'), nova: snapshot, novaSource: 'snapshot', resourceType: RT });
    const lines = formatDrift(report).split('\n');
    log(`drift: ${lines[0]}`);
    for (const i of [...report.missing, ...report.different]) log(`drift: ${i.key}${i.namespace ? ` [${i.namespace}]` : ''}${i.differences ? `: ${i.differences.join('; ')}` : ' is missing'}`);
    log(`drift: ${lines[lines.length - 1]}`);
    const current = JSON.stringify(snapshot.validators) === JSON.stringify(registry.validators) && snapshot.nova_version === registry.nova_version;
    log(current ? `the snapshot matches the installed Nova ${registry.nova_version}` : `the snapshot (Nova ${snapshot.nova_version}) differs from the installed Nova ${registry.nova_version}: run npm run metadefs -- import-nova`);
    if (report.drift || !current) code = 1;
    // Image properties Nova reads as enums and integers (ImageMetaProps), from the same snapshot.
    const image = imageReport(readDirs(dirs.split(':')), snapshot);
    const imageLines = formatImageReport(image, 'snapshot').split('\n');
    log(`image: ${imageLines[0]}`);
    for (const i of image.items.filter((x) => x.status === 'missing' || x.status === 'differs')) log(`image: ${i.key} ${i.status}${i.detail ? `: ${i.detail}` : ''}`);
    log(`image: ${imageLines[imageLines.length - 1]}`);
    if (image.drift) code = 1;
  }
  console.log(`nova agreement: ${known.size}/${fixedNames.length} keys, ${agree}/${compared} verdicts`);
} finally {
  await s.close();
  await mongo.stop();
}
process.exit(code);
