import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IMAGE_STATUSES, TRANSITIONS, assertTransition, canTransition } from '../../src/domain/image-status.js';
import { DomainError } from '../../src/domain/errors.js';

const ALLOWED = new Set([
  'queued>saving', 'queued>uploading', 'queued>importing', 'queued>active', 'queued>deleted',
  'saving>active', 'saving>killed', 'saving>deleted', 'saving>queued',
  'uploading>importing', 'uploading>queued', 'uploading>deleted',
  'importing>active', 'importing>deleted', 'importing>queued',
  'active>pending_delete', 'active>deleted', 'active>deactivated',
  'deactivated>active', 'deactivated>deleted',
  'pending_delete>deleted', 'pending_delete>active',
  'killed>deleted',
]);

test('every pair of statuses: allowed exactly as upstream (§4)', () => {
  assert.equal(IMAGE_STATUSES.length, 9);
  for (const from of IMAGE_STATUSES) {
    for (const to of IMAGE_STATUSES) {
      const want = ALLOWED.has(`${from}>${to}`);
      assert.equal(canTransition(from, to), want, `${from} -> ${to}`);
      if (want) assertTransition(from, to);
      else assert.throws(() => assertTransition(from, to), (e: unknown) => e instanceof DomainError && e.kind === 'Conflict', `${from} -> ${to}`);
    }
  }
  assert.deepEqual(TRANSITIONS.deleted, []);
});

test('leaving queued/uploading for data states needs both formats (400); kind is selectable', () => {
  const bad = (f: () => void) => assert.throws(f, (e: unknown) => e instanceof DomainError && e.kind === 'Invalid');
  bad(() => assertTransition('queued', 'saving', { image: { disk_format: 'raw', container_format: null } }));
  bad(() => assertTransition('uploading', 'importing', { image: { disk_format: null, container_format: 'bare' } }));
  bad(() => assertTransition('queued', 'active', { image: {} }));
  assertTransition('queued', 'saving', { image: { disk_format: 'raw', container_format: 'bare' } });
  assertTransition('queued', 'deleted', { image: {} });
  assert.throws(() => assertTransition('deleted', 'active', { kind: 'Invalid' }), (e: unknown) => e instanceof DomainError && e.kind === 'Invalid');
});
