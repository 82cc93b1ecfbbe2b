/**
 * Policy tools.
 *   npm run policy -- explain --rule publicize_image --roles member --project p1 \
 *       [--subject Image|MetadefNamespace|Global] [--target '{"owner":"p1","visibility":"private"}'] \
 *       [--user u] [--system-scope all] [--domain d] [--anonymous] [--policy-file overrides.yaml]
 *   npm run policy -- check [--policy-file overrides.yaml]      validate the rules and exit
 *   npm run policy -- list                                      every rule with its check string
 *   npm run policy -- filter --rule get_image --roles reader --project p1   the MongoDB filter of a list
 *   npm run policy -- test [--policy-file F] [--property-protection-file F [--property-protection-rule-format roles|policies]]
 *       [--junit FILE] [--coverage-min N] [--format text|json] FILE|DIR...
 *                                                              run policy test suites (policies/README.md)
 *   npm run policy -- diff [--policy-file F] [--format text|json]   decisions an override changes
 *
 * The policy file defaults to the POLICY_FILE setting. Roles get Keystone's implied roles
 * (admin ⇒ member ⇒ reader), as the service does. Without --subject, the subject is Image for
 * image rules, MetadefNamespace for metadef rules, and Global otherwise (or without --target).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { anonymousContext, buildContext } from '../src/authn/context.js';
import { createAuthorizer, loadPolicies, type PolicyRule, type PolicySet, type SubjectType } from '../src/authz/index.js';
import { diffCommand, testCommand } from '../src/authz/policy-tests/command.js';

const [command = 'help', ...rest] = process.argv.slice(2);

function defaultPolicyFile(): string | null {
  try {
    return loadConfig().POLICY_FILE;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
}
function defaultProtections() {
  try {
    const c = loadConfig();
    return c.PROPERTY_PROTECTION_FILE ? { file: c.PROPERTY_PROTECTION_FILE, format: c.PROPERTY_PROTECTION_RULE_FORMAT } : null;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
}
if (command === 'test' || command === 'diff') {
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t), defaultPolicyFile, defaultProtections };
  process.exitCode = (command === 'test' ? testCommand : diffCommand)(rest, io);
  process.exit();
}
const { values } = parseArgs({
  args: rest,
  options: {
    rule: { type: 'string' },
    roles: { type: 'string', default: '' },
    project: { type: 'string' },
    user: { type: 'string' },
    domain: { type: 'string' },
    'system-scope': { type: 'string' },
    anonymous: { type: 'boolean', default: false },
    subject: { type: 'string' },
    target: { type: 'string' },
    'policy-file': { type: 'string' },
  },
});

function fail(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
}

let policyFile: string | null = values['policy-file'] ?? null;
if (!policyFile) {
  try {
    policyFile = loadConfig().POLICY_FILE;
  } catch (e) {
    fail((e as Error).message);
  }
}
let policies: PolicySet;
try {
  policies = loadPolicies(policyFile);
} catch (e) {
  fail(`policy error: ${(e as Error).message}`);
}
const authz = createAuthorizer({ policies });

function context() {
  if (values.anonymous) return anonymousContext('req-cli');
  return buildContext('req-cli', {
    userId: values.user ?? 'cli-user',
    projectId: values.project ?? null,
    domainId: values.domain ?? null,
    systemScope: values['system-scope'] ?? null,
    roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean),
  });
}

function subjectFor(rule: string, hasTarget: boolean): SubjectType {
  if (values.subject) {
    if (!['Image', 'MetadefNamespace', 'Global'].includes(values.subject)) fail('--subject must be Image, MetadefNamespace or Global');
    return values.subject as SubjectType;
  }
  if (!hasTarget) return 'Global';
  return rule.includes('metadef') ? 'MetadefNamespace' : 'Image';
}

function requireRule(): PolicyRule {
  if (!values.rule) fail('--rule is required');
  if (!policies.checks.has(values.rule)) fail(`unknown rule "${values.rule}" (npm run policy -- list shows them)`);
  // a helper rule that POLICY_FILE adds is a name too, known only at run time (checked above)
  return values.rule as PolicyRule;
}

switch (command) {
  case 'explain': {
    const rule = requireRule();
    let target: object | undefined;
    if (values.target) {
      try {
        target = JSON.parse(values.target) as object;
      } catch (e) {
        fail(`--target is not JSON: ${(e as Error).message}`);
      }
      if (!target || typeof target !== 'object' || Array.isArray(target)) fail('--target must be a JSON object');
    }
    const subject = subjectFor(rule, target !== undefined);
    const ex = authz.explain(context(), rule, subject, target);
    process.stdout.write(`${ex.allowed ? 'ALLOWED' : 'DENIED'}: ${rule} (decided by ${ex.rule})\n`);
    for (const line of ex.trace) process.stdout.write(`  ${line}\n`);
    process.exit(ex.allowed ? 0 : 1);
    break;
  }
  case 'filter': {
    const rule = requireRule();
    const subject = values.subject ? subjectFor(rule, true) : rule.includes('metadef') ? 'MetadefNamespace' : 'Image';
    process.stdout.write(`${JSON.stringify(authz.filter(context(), rule, subject), null, 2)}\n`);
    break;
  }
  case 'check':
    process.stdout.write(`policies OK (${policies.checks.size} rules${policyFile ? `, overrides from ${policyFile}` : ''})\n`);
    break;
  case 'list':
    for (const [name, src] of policies.sources) process.stdout.write(`${name}: ${JSON.stringify(src.text)}${src.origin === 'POLICY_FILE' ? '  (POLICY_FILE)' : ''}\n`);
    break;
  default:
    process.stdout.write('usage: npm run policy -- explain|filter|check|list|test|diff [options] (see scripts/policy.ts)\n');
    process.exit(command === 'help' ? 0 : 2);
}
