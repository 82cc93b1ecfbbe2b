/** One printed row of the benchmark table. */
export interface Row {
  scenario: string;
  conc: number | string;
  rate: string;
  p50: string;
  p99: string;
  errors: string;
  limit: string;
  ratio: string;
  budget: string;
  result: 'PASS' | 'FAIL' | '-' | 'SKIP' | 'LOW-N';
  rss: string;
  /** Raw numbers, for the JSON output. */
  raw?: Record<string, unknown>;
}

const HEAD: [keyof Row, string][] = [
  ['scenario', 'scenario'],
  ['conc', 'conc'],
  ['rate', 'req/s'],
  ['p50', 'p50 ms'],
  ['p99', 'p99 ms'],
  ['errors', 'errors'],
  ['limit', 'limit req/s'],
  ['ratio', 'ratio'],
  ['budget', 'budget'],
  ['result', 'result'],
  ['rss', 'peak RSS MiB'],
];

export function formatTable(rows: Row[]): string {
  const cells = [HEAD.map(([, h]) => h), ...rows.map((r) => HEAD.map(([k]) => String(r[k])))];
  const widths = HEAD.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
export const mib = (bytes: number) => fmt(bytes / 1048576, 0);
