import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { loadOpenApiDocument } from '../../src/openapi.js';
import { precompileRouter } from '../../src/http/api.js';

async function backend(): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({ definition: loadOpenApiDocument() as unknown as Document, strict: false, validate: false, quick: true, ignoreTrailingSlashes: false });
  await api.init();
  return api;
}

function outcome(api: OpenAPIBackend, method: string, path: string, strict: boolean): string {
  try {
    const op = api.router.matchOperation({ method, path, headers: {} }, strict as true);
    return op ? `${op.operationId} ${op.method} ${op.path}` : 'undefined';
  } catch (e) {
    return (e as Error).message;
  }
}

test('the precompiled router matches exactly as openapi-backend does (200/404/405 and which operation)', async () => {
  const original = await backend();
  const fast = await backend();
  precompileRouter(fast.router);
  const doc = loadOpenApiDocument() as { paths: Record<string, unknown> };
  const paths = new Set<string>(['/', '/v2', '/v2/', '/nope', '//v2/images', '/v2/images/', '/v2/images/a/b/c/d/e', '/v2/images/a.b', '/v2/metadefs/namespaces/OS::Compute::Libvirt']);
  for (const p of Object.keys(doc.paths)) {
    paths.add(p);
    paths.add(p.replace(/\{[^}]+\}/g, 'some-id'));
    paths.add(p.replace(/\{[^}]+\}/g, 'some-id') + '/');
    paths.add(p.replace(/\{[^}]+\}/g, 'some-id') + '/extra');
    paths.add(p.replace(/\{[^}]+\}/g, 'tags'));
    paths.add(p.replace(/\{[^}]+\}/g, 'members'));
  }
  let compared = 0;
  let routed = 0;
  for (const path of paths) {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      for (const strict of [true, false]) {
        const want = outcome(original, method, path, strict);
        assert.equal(outcome(fast, method, path, strict), want, `${method} ${path} (strict ${strict})`);
        compared++;
        if (!want.startsWith('404') && !want.startsWith('405') && want !== 'undefined') routed++;
      }
    }
  }
  assert.ok(compared > 100 && routed > 10, `compared ${compared} requests, ${routed} routed`);
  // the operation list is built once
  assert.equal(fast.router.getOperations(), fast.router.getOperations());
});
