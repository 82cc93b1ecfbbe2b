/**
 * An operator's POLICY_FILE changes the matrix: with publicize_image opened to project members,
 * the owner's members may publish (the same rows answer 403 under the defaults, see
 * tables/images.ts), while readers and other projects are still refused by the other rules.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTable, defineTable } from './matrix.js';
import { imagesTable } from './tables/images.js';

const dir = mkdtempSync(join(tmpdir(), 'matrix-policy-'));
const policyFile = join(dir, 'policy.yaml');
writeFileSync(policyFile, '"publicize_image": "role:admin or role:member"\n');

const byName = (name: string) => imagesTable.rows.find((r) => r.name === name)!;

runTable(
  defineTable({
    ...imagesTable,
    name: 'images with publicize_image overridden',
    env: { POLICY_FILE: policyFile },
    //                                                                       ADM OM  OR  SA  SP  SR  NS  CM  AN
    rows: [
      { ...byName('create public'), want: '201 201 403 201 201 201 201 201 403' },
      { ...byName('set visibility public'), want: '200 200 403 403 403 403 404 403 403' },
      // unchanged rules keep their defaults
      { ...byName('set visibility community') },
    ],
  }),
);
