import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { PROJECT_ROOT } from '../openapi.js';
import { invalid } from '../domain/errors.js';
import type { components } from '../generated/openapi.js';

type SchemaDocument = components['schemas']['JsonSchema'];

/**
 * The image and member JSON schemas served at /v2/schemas/* (glance-v2-api.md §2.4), loaded
 * from `schemas/`. The disk and container format enums come from configuration (with `null`,
 * which glanceclient expects). The same image schema validates create bodies and PATCH values.
 */
export interface ImageSchemas {
  image: SchemaDocument;
  images: SchemaDocument;
  member: SchemaDocument;
  members: SchemaDocument;
  /** Throws Invalid naming the first offending field. */
  validateImage(body: Record<string, unknown>): void;
  /** Names of properties defined by the schema (base and operator-defined). */
  defined: Set<string>;
}

const read = (name: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, 'schemas', name), 'utf8')) as SchemaDocument & { properties: Record<string, any> };

function describe(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let fieldName = path.join('.');
  let what = e.message ?? 'is invalid';
  if (e.keyword === 'enum') what = `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'additionalProperties') {
    fieldName = [fieldName, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
    what = 'is not allowed';
  }
  return fieldName ? `Invalid value for '${fieldName}': ${what}.` : `Invalid image: ${what}.`;
}

export function loadImageSchemas(opts: { diskFormats: string[]; containerFormats: string[] }): ImageSchemas {
  const image = read('image.json');
  image.properties.disk_format.enum = [null, ...opts.diskFormats];
  image.properties.container_format.enum = [null, ...opts.containerFormats];
  const member = read('member.json');
  const images = {
    name: 'images',
    properties: {
      images: { type: 'array', items: image },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
  const members = {
    name: 'members',
    properties: { members: { type: 'array', items: member }, schema: { type: 'string' } },
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
  const ajv = new Ajv({ strict: false, allErrors: false });
  // The served schema carries keywords Ajv does not know (links, name, is_base): validate a copy without them.
  const { links: _l, name: _n, ...validatable } = image;
  // Upstream's schema shows min_ram/min_disk without bounds but its database refuses what does
  // not fit: the validator keeps the bounds, so such values get a 400 rather than a 500.
  const bounded = { minimum: 0, maximum: 2147483647 };
  validatable.properties = { ...image.properties, min_ram: { ...image.properties.min_ram, ...bounded }, min_disk: { ...image.properties.min_disk, ...bounded } };
  const validate: ValidateFunction = ajv.compile(validatable);
  return {
    image,
    images,
    member,
    members,
    defined: new Set(Object.keys(image.properties)),
    validateImage(body) {
      if (!validate(body)) throw invalid(describe(validate.errors![0]));
    },
  };
}
