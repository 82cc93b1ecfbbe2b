import { execFileSync } from 'node:child_process';
import { freePort } from './keystone.js';
import { startLocalService } from './local-service.js';

/**
 * A real single-node Swift for tests (scripts/swift-local.sh): tempauth account `test` (user
 * `test:tester`, key `testing`), s3api with the same credentials, and, given a Keystone URL,
 * Keystone accounts `KEY_<project id>`. Stopped and removed by `stop()` or at process exit.
 */
export interface Swift {
  /** http://127.0.0.1:PORT */
  url: string;
  /** tempauth: http://127.0.0.1:PORT/auth/v1.0 */
  authUrl: string;
  dir: string;
  stop(): Promise<void>;
}

export const TEMPAUTH = { user: 'test:tester', key: 'testing' };
/** A second tempauth account whose key is easy to look for in responses and logs. */
export const STORE_USER = { user: 'glance:store', key: 'St0re-k3y' };

/** Registers Swift in Keystone's catalog (object-store, public and internal), as a deployment does. */
export async function registerSwift(ks: { url: string; adminToken(): Promise<string> }, swift: Swift): Promise<void> {
  const admin = await ks.adminToken();
  const call = async (path: string, body: unknown) => {
    const res = await fetch(ks.url + path, { method: 'POST', headers: { 'X-Auth-Token': admin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const svc = await call('/services', { service: { name: 'swift', type: 'object-store' } });
  for (const iface of ['public', 'internal']) {
    await call('/endpoints', { endpoint: { service_id: svc.service.id, interface: iface, region_id: 'RegionOne', url: `${swift.url}/v1/KEY_$(project_id)s` } });
  }
}

/** Why a Swift cannot be started here, or null when it can. */
export function swiftUnavailableReason(): string | null {
  for (const bin of ['swift-proxy-server', 'swift-account-server', 'swift-container-server', 'swift-object-server', 'swift-object-updater', 'swift-ring-builder']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', env: { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` } });
    } catch {
      return `${bin} is not installed (Debian packages swift swift-proxy swift-account swift-container swift-object)`;
    }
  }
  return null;
}

export async function startSwift(o: { keystoneUrl?: string; tokenLife?: number } = {}): Promise<Swift> {
  const port = await freePort();
  const env = { ...process.env, ...(o.tokenLife ? { SWIFT_TOKEN_LIFE: String(o.tokenLife) } : {}) };
  const { dir, stop } = await startLocalService({ name: 'swift', script: 'swift-local.sh', args: [String(port), ...(o.keystoneUrl ? [o.keystoneUrl] : [])], timeout: 120_000, env });
  const url = `http://127.0.0.1:${port}`;
  return { url, authUrl: `${url}/auth/v1.0`, dir, stop };
}
