import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listOperations, loadOpenApiDocument } from '../../src/openapi.js';
import { allHandlers } from '../../src/http/handlers/index.js';
import type { Services } from '../../src/app.js';

test('every operationId in the document has a handler, and every handler an operation', () => {
  const ops = listOperations(loadOpenApiDocument());
  const ids = ops.map((o) => o.operationId);
  assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every operation has an operationId');
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  // Handlers are built from a Services object; building them must not touch it.
  const handlers = allHandlers(new Proxy({}, { get: () => new Proxy(() => undefined, { get: () => undefined }) }) as unknown as Services);
  assert.deepEqual(Object.keys(handlers).sort(), [...ids].sort());
});

test('every operation documents its responses', () => {
  for (const op of listOperations()) {
    const doc = loadOpenApiDocument().paths[op.path][op.method];
    assert.ok(doc.responses && Object.keys(doc.responses).length > 0, `${op.operationId} has responses`);
  }
});
