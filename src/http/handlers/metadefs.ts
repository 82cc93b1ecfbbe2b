import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../../app.js';
import { PROJECT_ROOT } from '../../openapi.js';
import type { Handlers } from '../types.js';
import type { components } from '../../generated/openapi.js';
import { isTrue } from '../../services/metadefs/tags-resource-types.js';

type Ops =
  | 'listMetadefNamespaces' | 'createMetadefNamespace' | 'getMetadefNamespace' | 'updateMetadefNamespace' | 'deleteMetadefNamespace'
  | 'listMetadefObjects' | 'createMetadefObject' | 'deleteMetadefObjects' | 'getMetadefObject' | 'updateMetadefObject' | 'deleteMetadefObject'
  | 'listMetadefProperties' | 'createMetadefProperty' | 'deleteMetadefProperties' | 'getMetadefProperty' | 'updateMetadefProperty' | 'deleteMetadefProperty'
  | 'listMetadefTags' | 'createMetadefTags' | 'deleteMetadefTags' | 'getMetadefTag' | 'createMetadefTag' | 'updateMetadefTag' | 'deleteMetadefTag'
  | 'listMetadefResourceTypes' | 'listMetadefResourceTypeAssociations' | 'createMetadefResourceTypeAssociation' | 'deleteMetadefResourceTypeAssociation'
  | 'getMetadefNamespaceSchema' | 'getMetadefNamespacesSchema' | 'getMetadefObjectSchema' | 'getMetadefObjectsSchema' | 'getMetadefPropertySchema'
  | 'getMetadefPropertiesSchema' | 'getMetadefResourceTypeSchema' | 'getMetadefResourceTypesSchema' | 'getMetadefTagSchema' | 'getMetadefTagsSchema';

type SchemaDocument = components['responses']['MetadefSchemaDocument']['content']['application/json'];
const schemaCache = new Map<string, SchemaDocument>();
/**
 * The schema documents in schemas/metadefs/ (upstream's files, unchanged). The property schema is
 * served with `x-` keys allowed: property definitions may carry this service's extensions
 * (`x-name-pattern`, `x-authority`, `x-deprecated`), and glanceclient checks each property it shows
 * or lists against this schema, which otherwise forbids any key it does not name.
 */
function schemaFile(name: string) {
  return () => {
    let body = schemaCache.get(name);
    if (!body) {
      body = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schemas', 'metadefs', `${name}.json`), 'utf8')) as SchemaDocument;
      if (name === 'property') Object.assign(body, { patternProperties: { '^x-': {} } });
      schemaCache.set(name, body);
    }
    return { status: 200 as const, body };
  };
}

/** Metadata definitions (glance-v2-api.md §2.8); the logic is in services/metadefs. */
export function metadefHandlers(s: Services): Handlers<Ops> {
  const m = () => s.metadefs;
  return {
    listMetadefNamespaces: async (c) => ({ status: 200, json: await m().listNamespaces(c.ctx, c.query, c.rawQuery) }),
    createMetadefNamespace: async (c) => {
      const r = await m().createNamespace(c.ctx, c.body);
      return { status: 201, body: r.body, headers: { Location: c.baseUrl + r.location } };
    },
    getMetadefNamespace: async (c) => ({ status: 200, json: await m().getNamespace(c.ctx, c.params.namespace, c.query.resource_type) }),
    updateMetadefNamespace: async (c) => ({ status: 200, body: await m().updateNamespace(c.ctx, c.params.namespace, c.body) }),
    deleteMetadefNamespace: async (c) => (await m().deleteNamespace(c.ctx, c.params.namespace), { status: 204 }),

    listMetadefObjects: async (c) => ({ status: 200, json: await m().listObjects(c.ctx, c.params.namespace) }),
    createMetadefObject: async (c) => ({ status: 201, body: await m().createObject(c.ctx, c.params.namespace, c.body) }),
    deleteMetadefObjects: async (c) => (await m().deleteObjects(c.ctx, c.params.namespace), { status: 204 }),
    getMetadefObject: async (c) => ({ status: 200, json: await m().getObject(c.ctx, c.params.namespace, c.params.object_name) }),
    updateMetadefObject: async (c) => ({ status: 200, body: await m().updateObject(c.ctx, c.params.namespace, c.params.object_name, c.body) }),
    deleteMetadefObject: async (c) => (await m().deleteObject(c.ctx, c.params.namespace, c.params.object_name), { status: 204 }),

    listMetadefProperties: async (c) => ({ status: 200, json: await m().listProperties(c.ctx, c.params.namespace) }),
    createMetadefProperty: async (c) => ({ status: 201, body: await m().createProperty(c.ctx, c.params.namespace, c.body) }),
    deleteMetadefProperties: async (c) => (await m().deleteProperties(c.ctx, c.params.namespace), { status: 204 }),
    getMetadefProperty: async (c) => ({ status: 200, json: await m().getProperty(c.ctx, c.params.namespace, c.params.property_name, c.query.resource_type) }),
    updateMetadefProperty: async (c) => ({ status: 200, body: await m().updateProperty(c.ctx, c.params.namespace, c.params.property_name, c.body) }),
    deleteMetadefProperty: async (c) => (await m().deleteProperty(c.ctx, c.params.namespace, c.params.property_name), { status: 204 }),

    listMetadefTags: async (c) => ({ status: 200, json: await m().listTags(c.ctx, c.params.namespace, c.query) }),
    createMetadefTags: async (c) => ({
      status: 201,
      body: await m().createTags(c.ctx, c.params.namespace, c.body.tags.map((t) => t.name), isTrue(c.headers['x-openstack-append'])),
    }),
    deleteMetadefTags: async (c) => (await m().deleteTags(c.ctx, c.params.namespace), { status: 204 }),
    getMetadefTag: async (c) => ({ status: 200, json: await m().getTag(c.ctx, c.params.namespace, c.params.tag_name) }),
    createMetadefTag: async (c) => ({ status: 201, body: await m().createTag(c.ctx, c.params.namespace, c.params.tag_name) }),
    updateMetadefTag: async (c) => ({ status: 200, body: await m().updateTag(c.ctx, c.params.namespace, c.params.tag_name, c.body) }),
    deleteMetadefTag: async (c) => (await m().deleteTag(c.ctx, c.params.namespace, c.params.tag_name), { status: 204 }),

    listMetadefResourceTypes: async (c) => ({ status: 200, json: await m().listResourceTypes(c.ctx) }),
    listMetadefResourceTypeAssociations: async (c) => ({ status: 200, json: await m().listAssociations(c.ctx, c.params.namespace) }),
    createMetadefResourceTypeAssociation: async (c) => ({ status: 201, body: await m().createAssociation(c.ctx, c.params.namespace, c.body) }),
    deleteMetadefResourceTypeAssociation: async (c) => (await m().deleteAssociation(c.ctx, c.params.namespace, c.params.resource_type), { status: 204 }),

    getMetadefNamespaceSchema: schemaFile('namespace'),
    getMetadefNamespacesSchema: schemaFile('namespaces'),
    getMetadefObjectSchema: schemaFile('object'),
    getMetadefObjectsSchema: schemaFile('objects'),
    getMetadefPropertySchema: schemaFile('property'),
    getMetadefPropertiesSchema: schemaFile('properties'),
    getMetadefResourceTypeSchema: schemaFile('resource_type'),
    getMetadefResourceTypesSchema: schemaFile('resource_types'),
    getMetadefTagSchema: schemaFile('tag'),
    getMetadefTagsSchema: schemaFile('tags'),
  };
}
