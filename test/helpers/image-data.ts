import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { call, type TestServer } from './server.js';

export const OCTET = { 'Content-Type': 'application/octet-stream' };

export async function createImage(s: TestServer, token: string, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await call(s.url, 'POST', '/v2/images', { token, body: { disk_format: 'raw', container_format: 'bare', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

export async function upload(s: TestServer, token: string, id: string, data: Buffer, headers: Record<string, string> = {}) {
  return call(s.url, 'PUT', `/v2/images/${id}/file`, { token, rawBody: data, headers: { ...OCTET, ...headers } });
}

/** GET returning the raw bytes. */
export function download(s: TestServer, token: string, id: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${s.url}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': token, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getImage(s: TestServer, token: string, id: string): Promise<Record<string, any>> {
  const r = await call(s.url, 'GET', `/v2/images/${id}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** Polls the image until `until` holds (imports are asynchronous). */
export async function waitFor(s: TestServer, token: string, id: string, until: (img: Record<string, any>) => boolean, ms = 15000): Promise<Record<string, any>> {
  const end = Date.now() + ms;
  for (;;) {
    const img = await getImage(s, token, id);
    if (until(img)) return img;
    if (Date.now() > end) assert.fail(`image ${id} did not reach the expected state: ${JSON.stringify(img)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
