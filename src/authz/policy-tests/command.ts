/**
 * `policy test [--policy-file F] [--property-protection-file F [--property-protection-rule-format roles|policies]]
 *   [--junit FILE] [--coverage-min N] [--format text|json] FILE|DIR...`
 * Exit status: 0 all pass; 1 an expectation failed or coverage is under the minimum; 2 bad input.
 * And `policy diff` (below).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError } from '../../config/config.js';
import { createAuthorizer, type Authorizer } from '../authorizer.js';
import { checkProtectionPolicies, loadProtections, protectionPolicyRules, type PropertyProtections } from '../protections/load.js';
import { loadPolicies, PolicyError, type PolicySet } from '../policies.js';
import { coverage, protectionCoverage, type Coverage, type ProtectionCoverage } from './coverage.js';
import { diffText, policyDiff } from './diff.js';
import { junitXml } from './junit.js';
import { collectFiles, loadSuite, peekProtectionRef, PolicyTestInputError, type ProtectionRef } from './load.js';
import { ruleCheckFor, runSuite, type Result } from './run.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The POLICY_FILE setting, used when --policy-file is not given. */
  defaultPolicyFile(): string | null;
  /** The PROPERTY_PROTECTION_FILE and _RULE_FORMAT settings, used when --property-protection-file is not given. */
  defaultProtections?(): ProtectionRef | null;
}

/** `file:line` of the rule a policy error names, when the file defines it. */
function ruleLine(file: string, message: string): string | null {
  const name = /rule "([^"]+)"/.exec(message)?.[1];
  if (!name) return null;
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return null;
  }
  const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = lines.findIndex((l) => new RegExp(`^[\\s{,]*["']?${quoted}["']?\\s*:`).test(l));
  return at < 0 ? null : `${file}:${at + 1}`;
}

/** Loads the policies, turning any error into bad input (exit 2) that names the file and line. */
export function policiesFrom(file: string | null, referenced: Iterable<string> = []): PolicySet {
  try {
    return loadPolicies(file, undefined, { referenced });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    const at = file ? ruleLine(file, e.message) : null;
    throw new PolicyTestInputError(`policy error: ${at ? `${at}: ` : ''}${e.message}`);
  }
}

/** A protection file, its problems as bad input (exit 2) naming the file and line. */
function protectionsFrom(ref: ProtectionRef): PropertyProtections {
  try {
    return loadProtections(ref.file, ref.format);
  } catch (e) {
    if (e instanceof ConfigError) throw new PolicyTestInputError(`property protections: ${e.message.replace(/^Invalid configuration: /, '')}`);
    throw e;
  }
}

function coverageLine(c: Coverage): string {
  const head = `coverage: ${c.covered}/${c.enforced} enforced rules have an allow and a deny expectation (${c.percent.toFixed(1)}%)`;
  if (!c.uncovered.length) return head;
  return `${head}; uncovered: ${c.uncovered.map((u) => `${u.rule} (no ${u.missing.join(', no ')})`).join(', ')}`;
}

function protectionCoverageLine(c: ProtectionCoverage): string {
  const head = `property protections ${c.file}: ${c.covered}/${c.operations} section operations have an allow and a deny expectation`;
  if (!c.uncovered.length) return head;
  return `${head}; uncovered: ${c.uncovered.map((u) => `[${u.section}] ${u.op} (no ${u.missing.join(', no ')})`).join(', ')}`;
}

function textReport(results: Result[], cov: Coverage): string {
  const lines: string[] = [];
  for (const r of results.filter((x) => !x.passed)) {
    lines.push(`FAIL ${r.where} [${r.test}] persona ${r.persona}, resource ${r.resource ?? '(none)'}, rule ${r.rule}: expected ${r.expected}, actual ${r.actual} (${r.reason})`);
    for (const t of r.trace ?? []) lines.push(`    ${t}`);
  }
  const failed = results.filter((x) => !x.passed).length;
  lines.push(`policy tests: ${results.length - failed} passed, ${failed} failed`);
  lines.push(coverageLine(cov));
  return `${lines.join('\n')}\n`;
}

export function testCommand(args: string[], io: Io): number {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'policy-file': { type: 'string' },
        'property-protection-file': { type: 'string' },
        'property-protection-rule-format': { type: 'string' },
        junit: { type: 'string' },
        'coverage-min': { type: 'string' },
        format: { type: 'string', default: 'text' },
      },
    });
    if (values.format !== 'text' && values.format !== 'json') throw new PolicyTestInputError(`--format must be text or json (got ${values.format})`);
    let min: number | null = null;
    if (values['coverage-min'] !== undefined) {
      min = Number(values['coverage-min']);
      if (!/^\d+(\.\d+)?$/.test(values['coverage-min']) || min > 100) throw new PolicyTestInputError(`--coverage-min must be a number from 0 to 100 (got ${values['coverage-min']})`);
    }
    if (!positionals.length) throw new PolicyTestInputError('name at least one test file or directory');
    const policyFile = values['policy-file'] ?? io.defaultPolicyFile();
    const format = values['property-protection-rule-format'];
    if (format !== undefined && format !== 'roles' && format !== 'policies') throw new PolicyTestInputError(`--property-protection-rule-format must be roles or policies (got ${format})`);
    if (format !== undefined && !values['property-protection-file']) throw new PolicyTestInputError('--property-protection-rule-format needs --property-protection-file');
    const defaultRef: ProtectionRef | null = values['property-protection-file']
      ? { file: resolve(values['property-protection-file']), format: format ?? 'roles' }
      : values['property-protection-file'] === '' ? null : (io.defaultProtections?.() ?? null);
    // every file is checked before anything runs: bad input never yields a partial report
    const files = collectFiles(positionals);
    const refs = new Map<string, ProtectionRef>();
    const refKey = (r: ProtectionRef) => `${r.format}\0${r.file}`;
    for (const r of [defaultRef, ...files.map(peekProtectionRef)]) if (r) refs.set(refKey(r), r);
    const protections = new Map([...refs].map(([k, r]) => [k, protectionsFrom(r)]));
    // the policy rules protection files name count as referenced (helpers of POLICY_FILE)
    const policies = policiesFrom(policyFile, [...protections.values()].flatMap(protectionPolicyRules));
    for (const p of protections.values()) {
      try {
        checkProtectionPolicies(p, (rule) => policies.checks.has(rule));
      } catch (e) {
        throw new PolicyTestInputError(`property protections: ${(e as Error).message.replace(/^Invalid configuration: /, '')}`);
      }
    }
    const check = ruleCheckFor(policies);
    const suites = files.map((f) => loadSuite(f, check, defaultRef !== null));
    const authorizers = new Map<string, Authorizer>();
    const authzFor = (ref: ProtectionRef | null): Authorizer => {
      const k = ref ? refKey(ref) : '';
      let a = authorizers.get(k);
      if (!a) authorizers.set(k, (a = createAuthorizer({ policies, protections: ref ? protections.get(k)! : null })));
      return a;
    };
    const results = suites.flatMap((s) => runSuite(authzFor(s.protections ?? defaultRef), s));
    const cov = coverage(policies, results);
    // per protection file, the expectations of the suites that use it
    const protCov: ProtectionCoverage[] = [...protections].map(([k, p]) => {
      const uses = suites.filter((s) => { const r = s.protections ?? defaultRef; return r !== null && refKey(r) === k; }).map((s) => s.file);
      return protectionCoverage(p, results.filter((r) => uses.includes(r.file)));
    });
    const failed = results.filter((r) => !r.passed).length;
    const underMin = min !== null && cov.percent < min;
    if (values.junit) {
      try {
        writeFileSync(values.junit, junitXml(results));
      } catch (e) {
        throw new PolicyTestInputError(`--junit ${values.junit}: cannot be written (${(e as Error).message})`);
      }
    }
    if (values.format === 'json') {
      io.out(`${JSON.stringify({ policyFile, passed: results.length - failed, failed, coverage: { ...cov, min }, propertyProtections: protCov, failures: results.filter((r) => !r.passed), results: results.map(({ trace: _t, ...r }) => r) }, null, 2)}\n`);
    } else {
      io.out(textReport(results, cov));
      for (const c of protCov) io.out(`${protectionCoverageLine(c)}\n`);
      if (underMin) io.out(`coverage ${cov.percent.toFixed(1)}% is under the minimum ${min}%\n`);
    }
    return failed > 0 || underMin ? 1 : 0;
  } catch (e) {
    if (e instanceof PolicyTestInputError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`policy test: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

/** `policy diff [--policy-file F] [--format text|json]`: exit 0 whatever changes (2 only on bad input). */
export function diffCommand(args: string[], io: Io): number {
  try {
    const { values } = parseArgs({ args, options: { 'policy-file': { type: 'string' }, format: { type: 'string', default: 'text' } } });
    if (values.format !== 'text' && values.format !== 'json') throw new PolicyTestInputError(`--format must be text or json (got ${values.format})`);
    const policyFile = values['policy-file'] || io.defaultPolicyFile() || null;
    const d = policyDiff(policiesFrom(null), policiesFrom(policyFile));
    io.out(values.format === 'json' ? `${JSON.stringify({ policyFile, ...d }, null, 2)}\n` : diffText(policyFile, d));
    return 0;
  } catch (e) {
    if (e instanceof PolicyTestInputError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`policy diff: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}
