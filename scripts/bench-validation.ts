/**
 * In-process property validation throughput next to raw ajv on the same compiled schemas.
 *   npx tsx scripts/bench-validation.ts [definitions dir] [ms per case]
 * Prints one line per case and exits non-zero when in-process falls below half of raw ajv.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/openapi.js';
import { benchInProcess, indexFromCorpus, SAMPLE_FLAVOR_SPECS } from '../src/services/validation/bench.js';

const dir = process.argv[2] ?? join(PROJECT_ROOT, 'etc', 'metadefs');
const ms = Number(process.argv[3] ?? 2000);
const cases: [string, string, Record<string, unknown>][] = [
  ['flavor extra specs (14 keys)', 'OS::Nova::Flavor', { ...SAMPLE_FLAVOR_SPECS }],
  ['image properties (8 keys)', 'OS::Glance::Image', { hw_cpu_policy: 'dedicated', hw_watchdog_action: 'reset', os_type: 'linux', hypervisor_type: 'kvm', hw_disk_bus: 'virtio', hw_qemu_guest_agent: 'yes', hw_cpu_sockets: '2', my_own: 'x' }],
];
let ok = true;
for (const [name, rt, props] of cases) {
  const r = benchInProcess(indexFromCorpus(dir, rt), props, { durationMs: ms });
  const fmt = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;
  console.log(`${name}: in-process ${fmt(r.validationsPerSec)}, raw ajv ${fmt(r.rawAjvPerSec)}, ratio ${r.ratio.toFixed(2)} (${r.knownKeys}/${r.keys} keys defined)`);
  if (r.ratio < 0.5) ok = false;
}
process.exit(ok ? 0 : 1);
