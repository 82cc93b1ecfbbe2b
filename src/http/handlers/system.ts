import type { Handlers } from '../types.js';
import { versionsDocument, type VersionFeatures } from '../versions.js';

export interface SystemDeps {
  features: () => VersionFeatures;
  readiness: () => Promise<Record<string, string>>;
}

export function systemHandlers(d: SystemDeps): Handlers<'getVersionsRoot' | 'listVersions' | 'getLiveness' | 'getReadiness'> {
  return {
    getVersionsRoot: ({ baseUrl }) => ({ status: 300, body: versionsDocument(baseUrl, d.features()) }),
    listVersions: ({ baseUrl }) => ({ status: 200, body: versionsDocument(baseUrl, d.features()) }),
    getLiveness: () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      const checks = await d.readiness();
      const ok = Object.values(checks).every((v) => v === 'ok');
      return ok ? { status: 200, body: { status: 'ok', checks } } : { status: 503, body: { status: 'unavailable', checks } };
    },
  };
}
