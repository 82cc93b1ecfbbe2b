/**
 * Mints a token signed by the development key that the zero-config start generates
 * (DATA_DIR/dev-jwt-key.json). Usage:
 *   npm run token -- --project demo --user alice --roles admin[,member,reader] [--ttl 12h]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { loadOrCreateDevKey, mintToken } from '../src/authn/jwt.js';

const { values } = parseArgs({
  options: {
    project: { type: 'string', default: 'demo' },
    user: { type: 'string', default: 'demo-user' },
    roles: { type: 'string', default: 'admin' },
    ttl: { type: 'string', default: '12h' },
    'system-scope': { type: 'string' },
  },
});
const config = loadConfig();
if (config.JWT_PUBLIC_KEY_FILE || config.JWT_JWKS_URL) {
  console.error('npm run token mints with the development key only; JWT_PUBLIC_KEY_FILE/JWT_JWKS_URL are set, so use your identity provider.');
  process.exit(2);
}
const { privateJwk } = await loadOrCreateDevKey(config.DATA_DIR);
const token = await mintToken(
  privateJwk,
  {
    sub: values.user!,
    project_id: values.project!,
    roles: values.roles!.split(',').map((r) => r.trim()).filter(Boolean),
    ...(values['system-scope'] ? { system_scope: values['system-scope'] } : {}),
  },
  { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresIn: values.ttl },
);
process.stdout.write(token + '\n');
