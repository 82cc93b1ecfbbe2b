/** One test of a Tempest run, as test/tempest/subunit-results.py reads it from the subunit stream. */
export interface TestResult {
  id: string;
  status: string;
  /** The skip reason, or a failure's traceback. */
  reason: string;
}

export interface Summary {
  passed: TestResult[];
  failed: TestResult[];
  skipped: TestResult[];
}

/** The test's name without its `[id-...,attr]` suffix. */
export function testName(id: string): string {
  return id.replace(/\[[^\]]*\]$/, '');
}

/**
 * Counts as `tempest run` does: success passes, skip skips, fail and an unexpected success
 * fail; an expected failure counts as passed. The last status of a test id wins (a class-level
 * skip appears once, as its setUpClass).
 */
export function summarize(results: TestResult[]): Summary {
  const byId = new Map<string, TestResult>();
  for (const r of results) byId.set(r.id, r);
  const out: Summary = { passed: [], failed: [], skipped: [] };
  for (const r of [...byId.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const t = { ...r, id: testName(r.id) };
    if (r.status === 'success' || r.status === 'xfail') out.passed.push(t);
    else if (r.status === 'skip') out.skipped.push(t);
    else out.failed.push(t);
  }
  return out;
}
