import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { summarize, testName, type TestResult } from '../tempest/results.js';

test('summarize counts as tempest does and strips the id suffix', () => {
  const r = (id: string, status: string, reason = ''): TestResult => ({ id, status, reason });
  const s = summarize([
    r('t.A.test_b[id-2,smoke]', 'success'),
    r('t.A.test_a[id-1]', 'fail', 'Traceback'),
    r('setUpClass (t.V1)', 'skip', 'Glance API v1 not supported'),
    r('t.A.test_c', 'xfail'),
    r('t.A.test_d', 'uxsuccess'),
    // a later status of the same test wins
    r('t.A.test_e', 'fail'),
    r('t.A.test_e', 'success'),
  ]);
  assert.deepEqual(s.passed.map((t) => t.id), ['t.A.test_b', 't.A.test_c', 't.A.test_e']);
  assert.deepEqual(s.failed.map((t) => t.id), ['t.A.test_a', 't.A.test_d']);
  assert.deepEqual(s.skipped, [{ id: 'setUpClass (t.V1)', status: 'skip', reason: 'Glance API v1 not supported' }]);
  assert.equal(testName('a.b.c[id-x]'), 'a.b.c');
  assert.equal(testName('setUpClass (a.b)'), 'setUpClass (a.b)');
});

/** Debian's python, which has tempest's libraries (another python3 may come first on PATH). */
const PY = '/usr/bin/python3';
// Writes a subunit v2 stream with python3-subunit (installed with Debian's tempest).
const WRITER = `
import sys, subunit
out = subunit.StreamResultToBytes(sys.stdout.buffer)
out.status(test_id='t.A.test_ok[id-1]', test_status='inprogress')
out.status(test_id='t.A.test_ok[id-1]', test_status='success')
out.status(test_id='t.A.test_skip', test_status='skip', file_name='reason', file_bytes=b'no such feature', mime_type='text/plain;charset=utf8', eof=True)
out.status(test_id='t.A.test_bad', test_status='fail', file_name='traceback', file_bytes=b'AssertionError: 1 != 2', mime_type='text/plain;charset=utf8', eof=True)
`;
const hasSubunit = spawnSync(PY, ['-c', 'import subunit, testtools'], { stdio: 'ignore' }).status === 0;

test('subunit-results.py reads statuses, skip reasons and tracebacks from a subunit v2 stream', { skip: hasSubunit ? false : 'python3-subunit is not installed (Debian package tempest)' }, () => {
  const stream = execFileSync(PY, ['-c', WRITER]);
  const out = execFileSync(PY, [join(PROJECT_ROOT, 'test', 'tempest', 'subunit-results.py')], { input: stream }).toString();
  const rows = out.trim().split('\n').map((l) => JSON.parse(l) as TestResult);
  assert.deepEqual(rows, [
    { id: 't.A.test_ok[id-1]', status: 'success', reason: '' },
    { id: 't.A.test_skip', status: 'skip', reason: 'no such feature' },
    { id: 't.A.test_bad', status: 'fail', reason: 'AssertionError: 1 != 2' },
  ]);
  const s = summarize(rows);
  assert.deepEqual([s.passed.length, s.failed.length, s.skipped.length], [1, 1, 1]);
});
