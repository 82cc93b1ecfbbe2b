/**
 * Generates, and with `--check` fails (exit 1) when the committed files are stale:
 * - src/generated/openapi.d.ts from the OpenAPI document in openapi/;
 * - src/generated/policy-rules.ts, the rule names of policies/defaults.yaml (the names the
 *   authorizer accepts, so a misspelt rule fails typecheck).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse as parseYaml } from 'yaml';
import { loadOpenApiDocument, PROJECT_ROOT } from '../src/openapi.js';

const generated = join(PROJECT_ROOT, 'src', 'generated');

async function openapiTypes(): Promise<string> {
  const header = '// This file is generated from openapi/ by `npm run gen`. Do not edit it by hand.\n\n';
  const ast = await openapiTS(loadOpenApiDocument() as never, { alphabetize: false, emptyObjectsUnknown: true });
  return header + astToString(ast);
}

function policyRules(): string {
  const defaults = parseYaml(readFileSync(join(PROJECT_ROOT, 'policies', 'defaults.yaml'), 'utf8')) as Record<string, unknown>;
  const names = Object.keys(defaults);
  return [
    '// This file is generated from policies/defaults.yaml by `npm run gen`. Do not edit it by hand.',
    '',
    '/** Every rule of the default policies, in file order. */',
    'export const POLICY_RULES = [',
    ...names.map((n) => `  ${JSON.stringify(n).replace(/"/g, "'")},`),
    '] as const;',
    '',
    '/** A rule name the authorizer accepts. */',
    'export type PolicyRule = (typeof POLICY_RULES)[number];',
    '',
  ].join('\n');
}

const files: [string, string][] = [
  [join(generated, 'openapi.d.ts'), await openapiTypes()],
  [join(generated, 'policy-rules.ts'), policyRules()],
];

if (process.argv.includes('--check')) {
  let stale = false;
  for (const [target, text] of files) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error(`${target.slice(PROJECT_ROOT.length + 1)} is stale: run \`npm run gen\` and commit the result.`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
  console.log('generated files are up to date');
} else {
  for (const [target, text] of files) {
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
