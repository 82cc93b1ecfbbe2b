#!/usr/bin/python3
"""Reads a subunit v2 stream (stdin) and prints one JSON object per test:
{"id": ..., "status": ..., "reason": ...}. `reason` holds the skip reason, or
the traceback of a failure. Uses python3-subunit and testtools, which Debian's
tempest package depends on.
"""
import json
import sys

import subunit
import testtools


def text_of(details, *names):
    for name in names:
        content = details.get(name)
        if content is not None:
            return ''.join(
                chunk.decode('utf-8', 'replace') if isinstance(chunk, bytes) else chunk
                for chunk in content.iter_bytes()
            ).strip()
    return ''


def emit(test):
    status = test['status']
    if status in (None, 'exists', 'inprogress'):
        return
    details = test.get('details') or {}
    reason = text_of(details, 'reason') if status == 'skip' else ''
    if status in ('fail', 'uxsuccess'):
        reason = text_of(details, 'traceback')
    print(json.dumps({'id': test['id'], 'status': status, 'reason': reason}), flush=True)


def main():
    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name='stdout')
    result = testtools.StreamToDict(emit)
    result.startTestRun()
    try:
        stream.run(result)
    finally:
        result.stopTestRun()


if __name__ == '__main__':
    main()
