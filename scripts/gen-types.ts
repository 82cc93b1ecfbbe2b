/**
 * Generates src/generated/openapi.d.ts from the OpenAPI document in openapi/.
 * `--check` fails (exit 1) when the committed file is stale.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { loadOpenApiDocument, PROJECT_ROOT } from '../src/openapi.js';

const target = join(PROJECT_ROOT, 'src', 'generated', 'openapi.d.ts');
const header = '// This file is generated from openapi/ by `npm run gen`. Do not edit it by hand.\n\n';
const ast = await openapiTS(loadOpenApiDocument() as never, { alphabetize: false });
const text = header + astToString(ast);

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('src/generated/openapi.d.ts is stale: run `npm run gen` and commit the result.');
    process.exit(1);
  }
  console.log('generated types are up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
