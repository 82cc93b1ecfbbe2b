import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startLocalService } from './local-service.js';


/**
 * A real Keystone for tests: started on a free loopback port in a directory of its own by
 * scripts/keystone-local.sh, then provisioned through Keystone's own API with the users the
 * tests use (all passwords `secret`):
 *
 * | user | project | role |
 * |---|---|---|
 * | admin | admin | admin (bootstrap) |
 * | alpha-admin | alpha | admin |
 * | alpha-member | alpha | member |
 * | alpha-reader | alpha | reader |
 * | beta-member | beta | member |
 * | glance | service | admin (the service user that validates tokens) |
 */
export const PASSWORD = 'secret';
export const USERS: Record<string, { project: string; role: string }> = {
  'alpha-admin': { project: 'alpha', role: 'admin' },
  'alpha-member': { project: 'alpha', role: 'member' },
  'alpha-reader': { project: 'alpha', role: 'reader' },
  'beta-member': { project: 'beta', role: 'member' },
  glance: { project: 'service', role: 'admin' },
};

export interface Keystone {
  /** http://127.0.0.1:PORT/v3 */
  url: string;
  dir: string;
  projects: Record<string, string>;
  users: Record<string, string>;
  /** A project-scoped token for a user (password auth): the X-Subject-Token. */
  token(user: string, project?: string): Promise<string>;
  revoke(token: string): Promise<void>;
  adminToken(): Promise<string>;
  /** Registers (or repoints) the image service's endpoints (public/internal/admin, RegionOne). */
  setImageEndpoint(url: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why a Keystone cannot be started here, or null when it can. */
export function keystoneUnavailableReason(): string | null {
  for (const bin of ['keystone-manage', 'uwsgi']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', env: { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` } });
    } catch {
      return `${bin} is not installed (Debian packages keystone, uwsgi-plugin-python3): run scripts/e2e-setup.sh as root`;
    }
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One call to Keystone's API. A dropped connection (uWSGI recycling a worker on a loaded
 * machine) is retried a few times; callers make creations idempotent (409 → look it up).
 */
async function ks(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url + path, {
        method,
        headers: { ...(token ? { 'X-Auth-Token': token } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}), Accept: 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      // a 5xx from the sqlite-backed test Keystone is a transient lock: try again like a network error
      if (res.status >= 500 && attempt < 5) throw new Error(`HTTP ${res.status}`);
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function passwordToken(url: string, user: string, password: string, project: string): Promise<string> {
  const r = await ks(url, 'POST', '/auth/tokens?nocatalog', null, {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: 'Default' } } } },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    },
  });
  const t = r.headers.get('x-subject-token');
  if (r.status !== 201 || !t) throw new Error(`token for ${user}@${project}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return t;
}

/** `port`: a free loopback port chosen by the caller (who may need the URL before Keystone is up). */
export async function startKeystone(opts: { port?: number; timeoutMs?: number } = {}): Promise<Keystone> {
  const port = opts.port ?? (await freePort());
  const { dir, stop } = await startLocalService({ name: 'keystone', script: 'keystone-local.sh', args: [String(port)], timeout: opts.timeoutMs ?? 240_000 });
  const url = `http://127.0.0.1:${port}/v3`;
  try {
    const admin = await passwordToken(url, 'admin', PASSWORD, 'admin');
    const must = async (method: string, path: string, body?: unknown) => {
      const r = await ks(url, method, path, admin, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    /** Creates a named project or user, or finds the one a retried request already created. */
    const ensure = async (kind: 'project' | 'user', body: { name: string; [k: string]: unknown }): Promise<string> => {
      const r = await ks(url, 'POST', `/${kind}s`, admin, { [kind]: body });
      if (r.status === 201) return r.body[kind].id;
      if (r.status !== 409) throw new Error(`POST /${kind}s ${body.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return (await must('GET', `/${kind}s?name=${encodeURIComponent(body.name)}`))[`${kind}s`][0].id;
    };
    const roles: Record<string, string> = {};
    for (const r of (await must('GET', '/roles')).roles) roles[r.name] = r.id;
    const projects: Record<string, string> = { admin: (await must('GET', '/projects?name=admin')).projects[0].id };
    for (const name of ['alpha', 'beta', 'service']) {
      projects[name] = await ensure('project', { name, domain_id: 'default', description: `test project ${name}` });
    }
    const users: Record<string, string> = { admin: (await must('GET', '/users?name=admin')).users[0].id };
    for (const [name, g] of Object.entries(USERS)) {
      users[name] = await ensure('user', { name, domain_id: 'default', password: PASSWORD, default_project_id: projects[g.project], enabled: true });
      await must('PUT', `/projects/${projects[g.project]}/users/${users[name]}/roles/${roles[g.role]}`);
    }
    let imageService: string | null = null;
    return {
      url,
      dir,
      projects,
      users,
      token: (user, project) => passwordToken(url, user, PASSWORD, project ?? (user === 'admin' ? 'admin' : USERS[user].project)),
      async revoke(token) {
        const res = await fetch(`${url}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': admin, 'X-Subject-Token': token } });
        if (res.status !== 204) throw new Error(`revoke: HTTP ${res.status}`);
      },
      adminToken: async () => admin,
      async setImageEndpoint(imageUrl) {
        if (!imageService) {
          imageService = (await must('POST', '/services', { service: { name: 'glance', type: 'image', description: 'Image service under test' } })).service.id;
        }
        for (const e of (await must('GET', `/endpoints?service_id=${imageService}`)).endpoints) await must('DELETE', `/endpoints/${e.id}`);
        for (const iface of ['public', 'internal', 'admin']) {
          await must('POST', '/endpoints', { endpoint: { service_id: imageService, interface: iface, url: imageUrl, region_id: 'RegionOne' } });
        }
      },
      stop,
    };
  } catch (e) {
    let tail = '';
    try {
      tail = readFileSync(join(dir, 'keystone.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      /* no log */
    }
    await stop();
    throw new Error(`provisioning the test Keystone failed: ${(e as Error).message}${(e as Error).cause ? ` (${String((e as { cause: unknown }).cause)})` : ''}\nkeystone.log:\n${tail}`);
  }
}
