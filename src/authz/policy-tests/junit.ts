/** JUnit XML of policy test results: one testsuite per file, one testcase per expectation. */
import type { Result } from './run.js';

const esc = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function junitXml(results: Result[]): string {
  const byFile = new Map<string, Result[]>();
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const failures = results.filter((r) => !r.passed).length;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="policy tests" tests="${results.length}" failures="${failures}" errors="0">`];
  for (const [file, rs] of byFile) {
    out.push(`  <testsuite name="${esc(file)}" tests="${rs.length}" failures="${rs.filter((r) => !r.passed).length}" errors="0" skipped="0">`);
    for (const r of rs) {
      const name = `${r.persona} ${r.rule} ${r.resource ?? '(no resource)'} → ${r.expected}`;
      const line = /:(\d+):\d+$/.exec(r.where)?.[1];
      const open = `    <testcase classname="${esc(`${file}.${r.test}`)}" name="${esc(name)}" file="${esc(file)}"${line ? ` line="${line}"` : ''}`;
      if (r.passed) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      out.push(`      <failure message="${esc(r.reason ?? '')}" type="policy">${esc([r.reason ?? '', ...(r.trace ?? [])].join('\n'))}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
