import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Scrapes and parses Prometheus text with a real parser: Python's prometheus_client
 * (Debian package python3-prometheus-client), through test/helpers/prom-parse.py.
 */
const PY = '/usr/bin/python3'; // Debian's python, which has the Debian package (another python3 may come first on PATH)
const HELPER = join(dirname(fileURLToPath(import.meta.url)), 'prom-parse.py');

export interface Sample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number | '+Inf' | null;
}

/** Why the parser cannot run, or null when it can. */
export function promParserMissing(): string | null {
  const r = spawnSync(PY, ['-c', 'import prometheus_client.parser'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-prometheus-client is not installed (Debian package python3-prometheus-client; scripts/e2e-setup.sh installs it)';
}

export function parseProm(text: string): Sample[] {
  const r = spawnSync(PY, [HELPER], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the Prometheus parser refused the text: ${r.stderr}`);
  return JSON.parse(r.stdout) as Sample[];
}

export async function scrape(url: string): Promise<{ status: number; contentType: string; samples: Sample[]; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', samples: res.status === 200 ? parseProm(text) : [], text };
}

/** The value of the sample `name` with exactly these labels among its labels (0 when absent). */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => s.labels[k] === v)) continue;
    if (typeof s.value === 'number') total += s.value;
  }
  return total;
}
