import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';

export function discoveryHandlers(s: Services): Handlers<'getImportInfo'> {
  return {
    getImportInfo: () => ({
      status: 200,
      body: { 'import-methods': { description: 'Import methods available.', type: 'array', value: s.config.IMPORT_METHODS } },
    }),
  };
}
