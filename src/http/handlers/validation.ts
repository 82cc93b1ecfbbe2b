import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';

/** Property validation against metadata definitions (our extension; openapi/paths/validation.yaml). */
export function validationHandlers(s: Services): Handlers<'validateProperties' | 'validatePropertiesBatch'> {
  return {
    validateProperties: async ({ ctx, params, body }) => ({
      status: 200,
      body: await s.validation.validate(ctx, params.resource_type, body.properties, { namespaces: body.namespaces, propertiesTarget: body.properties_target }),
    }),
    validatePropertiesBatch: async ({ ctx, params, body }) => ({
      status: 200,
      body: await s.validation.validateBatch(ctx, params.resource_type, body.items, { namespaces: body.namespaces, propertiesTarget: body.properties_target }),
    }),
  };
}
