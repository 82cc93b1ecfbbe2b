import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { errorFormat, renderError } from '../../src/http/error-format.js';

/** What WebOb 1.8 (upstream Glance's error bodies) chooses for each Accept header, as recorded from it. */
const WEBOB: Array<[string | undefined, string]> = [
  [undefined, 'text/plain'],
  ['', 'text/plain'],
  ['*/*', 'text/html'],
  ['application/json', 'application/json'],
  ['text/plain', 'text/plain'],
  ['application/xml', 'text/plain'],
  ['not a media type', 'text/html'],
  ["application/json;q=0, */*", 'text/html'],
  ["text/*", 'text/html'],
  ["text/plain;q=1, application/json;q=0.9", 'application/json'],
  ["application/json;q=0.5, text/html;q=0.5", 'text/html'],
  ["*/*;q=0.1, application/json;q=0.2", 'application/json'],
  ["TEXT/HTML", 'text/html'],
  ["application/json;charset=utf-8", 'text/plain'],
  ["image/png", 'text/plain'],
  ["text/html;level=1;q=0.3, application/json;q=0.4", 'application/json'],
  ["application/*;q=0.9, text/html;q=0.8", 'application/json'],
  ["*/*;q=0", 'text/plain'],
  ["application/json, text/html;q=1.5", 'text/html'],
  [" , application/json", 'text/html'],
  ["text/plain, */*;q=0.5", 'text/html'],
  ["application/json,", 'application/json'],
  ["application/json, , text/html;q=0.1", 'application/json'],
  [",application/json", 'text/html'],
  ["application/json;q=0.5;level=1", 'application/json'],
  ["text/html;q=0.5, application/json;q=abc", 'text/html'],
  ["application/json ;q=0.5, text/html;q=0.4", 'application/json'],
  ["text/html;charset=utf-8, application/json;q=0.1", 'application/json'],
];

test('the error format is chosen from Accept as WebOb chooses it', () => {
  for (const [accept, want] of WEBOB) assert.equal(errorFormat(accept), want, JSON.stringify(accept));
});

test('any Accept header gets one of the three formats, and a body that names the status', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (accept) => {
      const f = errorFormat(accept);
      assert.ok(['text/html', 'application/json', 'text/plain'].includes(f));
      const r = renderError(404, 'No <image> & "such"', 'req-1', accept);
      assert.ok(r.contentType.startsWith(f));
      if (f === 'application/json') assert.deepEqual(JSON.parse(r.text), { message: 'No <image> & "such"', code: '404 Not Found', title: 'Not Found', request_id: 'req-1' });
      else if (f === 'text/html') assert.ok(r.text.includes('<title>404 Not Found</title>') && r.text.includes('No &#60;image&#62; &#38; &#34;such&#34;'));
      else assert.equal(r.text, '404 Not Found\n\nNo <image> & "such"\n');
    }),
    { seed: 15, numRuns: 500 },
  );
});
