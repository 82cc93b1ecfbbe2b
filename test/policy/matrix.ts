/**
 * The persona matrix: declarative tables of persona × operation × resource state → expected
 * HTTP status, run through real HTTP against a running service.
 *
 * A table names its personas (identity sent as keystonemiddleware's headers through
 * AUTH_MODE=trusted-proxy with ALLOW_ANONYMOUS_ACCESS, so that the anonymous persona exists), how to build the resources a
 * cell acts on (`setup`, given the row's `state`), and its rows. A row names the policy rules
 * it exercises, the request for a persona, and the expected status per persona written as one
 * string in the table's persona order ('200 200 403 404 …'). 2xx counts as an allow of the
 * row's policies, 403/404 as a deny: `coverage.test.ts` requires both for every rule.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';

export interface Identity {
  /** Project of a project-scoped token (omit for system- or domain-scoped tokens). */
  project?: string;
  roles: string[];
  user?: string;
  /** `all` for a system-scoped token. */
  systemScope?: string;
  /** Domain of a domain-scoped token. */
  domain?: string;
}

export interface Req {
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface Row<F, S> {
  name: string;
  /** Policy rules this row exercises (for the coverage check). */
  policies: string[];
  /** Resource state handed to the table's setup. */
  state?: S;
  request(f: F, persona: string): Req;
  /** Expected status per persona, in the table's persona order, separated by spaces. */
  want: string;
  /**
   * Known differences from the reference (glance-authz.md): the status the service gives today
   * and why. The cell is asserted against this status (so any change is noticed) and the
   * difference is listed by coverage.test.ts.
   */
  deviations?: Record<string, { status: number; why: string }>;
}

export interface Table<F, S = unknown> {
  name: string;
  /** Persona → identity (null = anonymous). Order = column order of `want`. */
  personas: Record<string, Identity | null>;
  env?: Record<string, string>;
  /** Builds the resources one cell acts on (called once per persona and row). */
  setup(s: TestServer, state: S | undefined, persona: string): Promise<F>;
  rows: Row<F, S>[];
}

export const defineTable = <F, S = unknown>(t: Table<F, S>): Table<F, S> => t;

export function identityHeaders(id: Identity | null): Record<string, string> {
  if (!id) return {};
  const h: Record<string, string> = { 'X-Identity-Status': 'Confirmed', 'X-User-Id': id.user ?? `user-${id.project ?? id.domain ?? id.systemScope}`, 'X-Roles': id.roles.join(',') };
  if (id.project) h['X-Project-Id'] = id.project;
  if (id.systemScope) h['OpenStack-System-Scope'] = id.systemScope;
  if (id.domain) h['X-Domain-Id'] = id.domain;
  return h;
}

export function expectedStatuses(table: Table<any, any>, row: Row<any, any>): Record<string, number> {
  const names = Object.keys(table.personas);
  const cells = row.want.trim().split(/\s+/).map(Number);
  if (cells.length !== names.length || cells.some((n) => !Number.isInteger(n))) {
    throw new Error(`${table.name} / ${row.name}: want has ${cells.length} cells for ${names.length} personas (${names.join(' ')})`);
  }
  const out = Object.fromEntries(names.map((p, i) => [p, cells[i]]));
  for (const [p, d] of Object.entries(row.deviations ?? {})) {
    if (!(p in out)) throw new Error(`${table.name} / ${row.name}: deviation for unknown persona ${p}`);
    out[p] = d.status;
  }
  return out;
}

/** The server environment every table runs with (plus its own `env`). */
export const MATRIX_ENV = { AUTH_MODE: 'trusted-proxy', ALLOW_ANONYMOUS_ACCESS: 'true' };

/** Registers one node:test test per row on a server of its own. */
export function runTable<F, S>(table: Table<F, S>): void {
  let s: TestServer;
  before(async () => {
    s = await startServer({ ...MATRIX_ENV, ...(table.env ?? {}) });
  });
  after(() => s.close());
  const personas = Object.keys(table.personas);
  for (const row of table.rows) {
    const want = expectedStatuses(table, row);
    test(`${table.name}: ${row.name} [${row.policies.join(', ')}]`, async () => {
      const got: Record<string, number> = {};
      const bodies: Record<string, string> = {};
      for (const p of personas) {
        const fixture = await table.setup(s, row.state, p);
        const req = row.request(fixture, p);
        const res = await call(s.url, req.method, req.path, {
          body: req.body,
          rawBody: req.rawBody,
          headers: { ...identityHeaders(table.personas[p]), ...(req.headers ?? {}) },
        });
        got[p] = res.status;
        if (res.status !== want[p]) bodies[p] = res.text.slice(0, 200);
      }
      assert.deepEqual(got, want, `unexpected statuses; bodies: ${JSON.stringify(bodies)}`);
    });
  }
}
