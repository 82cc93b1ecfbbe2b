import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Options, swiftOptions } from '../../src/stores/object-options.js';
import { StoreRegistry } from '../../src/stores/registry.js';
import { loadConfig } from '../../src/config/config.js';
import type { Db } from 'mongodb';

const dir = mkdtempSync(join(tmpdir(), 'store-opts-'));
const SECRET = 'Sup3r-s3cret-value';

describe('swift and s3 STORE_OPTIONS', () => {
  it('reads secrets from *_file (one trailing newline dropped) and refuses both forms at once', () => {
    writeFileSync(join(dir, 'key'), `${SECRET}\n`);
    const o = swiftOptions('obj', { auth_address: 'http://ks:5000/v3', user: 'glance', key_file: join(dir, 'key'), project_name: 'service' });
    assert.equal(o.auth.key, SECRET);
    assert.equal(o.auth.authVersion, '3');
    assert.equal(o.container, 'glance');
    assert.equal(o.largeObjectSize, 5120 * 1024 * 1024);
    assert.throws(() => swiftOptions('obj', { auth_address: 'http://ks/v3', user: 'u', key: 'k', key_file: join(dir, 'key'), project_name: 'p' }), /STORE_OPTIONS\.obj: give key or key_file, not both/);
    assert.throws(() => swiftOptions('obj', { auth_address: 'http://ks/v3', user: 'u', key_file: join(dir, 'missing'), project_name: 'p' }), /STORE_OPTIONS\.obj: key_file cannot be read \(ENOENT\)/);
    const s = s3Options('s3', { host: 'http://127.0.0.1:9000', bucket: 'images', access_key: 'AK', secret_key_file: join(dir, 'key') });
    assert.equal(s.secretKey, SECRET);
    assert.equal(s.pathStyle, true);
    assert.equal(s3Options('s3', { host: 'https://s3.eu-west-1.amazonaws.com', bucket: 'images', access_key: 'a', secret_key: 'b' }).pathStyle, false);
  });

  it('stops with one line naming the store and the key, never a secret', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => swiftOptions('obj', { user: 'u', key: SECRET }), /STORE_OPTIONS\.obj: auth_address is required/],
      [() => swiftOptions('obj', { auth_address: 'ftp://x', user: 'u', key: SECRET }), /auth_address must be an http\(s\) URL/],
      [() => swiftOptions('obj', { auth_address: `http://u:${SECRET}@x/v3`, user: 'u', key: 'k', project_name: 'p' }), /must not carry credentials/],
      [() => swiftOptions('obj', { auth_address: 'http://x/v3', user: 'u', key: SECRET }), /project_name is required/],
      [() => swiftOptions('obj', { auth_address: 'http://x/v2.0', auth_version: '2', user: 'u', key: SECRET }), /auth_version must be 1 \(tempauth\) or 3/],
      [() => swiftOptions('obj', { auth_address: 'http://x/auth/v1.0', auth_version: '1', user: 'a:u', key: SECRET, large_object_size: 6000 }), /at most 5120/],
      [() => swiftOptions('obj', { auth_address: 'http://x/auth/v1.0', auth_version: '1', user: 'a:u', key: SECRET, pasword: 'x' }), /unknown option pasword/],
      [() => s3Options('s3', { host: 'http://x', bucket: 'A_B', access_key: 'a', secret_key: SECRET }), /bucket must be a valid S3 bucket name/],
      [() => s3Options('s3', { host: 'http://x', bucket: 'images', access_key: 'a' }), /secret_key or secret_key_file is required/],
      [() => s3Options('s3', { host: 'http://x', bucket: 'images', access_key: 'a', secret_key: SECRET, large_object_chunk_size: 1 }), /large_object_chunk_size must be a number of MiB, at least 5/],
    ];
    for (const [fn, re] of cases) {
      let msg = '';
      try {
        fn();
      } catch (e) {
        msg = (e as Error).message;
      }
      assert.match(msg, re);
      assert.doesNotMatch(msg, new RegExp(SECRET));
      assert.equal(msg.split('\n').length, 1);
    }
  });

  it('registers swift and s3 stores from ENABLED_BACKENDS; invalid JSON is reported without its text', () => {
    const base = { MONGODB_URI: 'mongodb://127.0.0.1:1', DATA_DIR: dir, ENABLED_BACKENDS: 'fast:file,obj:swift,s3:s3' };
    const STORE_OPTIONS = JSON.stringify({ obj: { auth_address: 'http://127.0.0.1:1/auth/v1.0', auth_version: '1', user: 'a:u', key: SECRET }, s3: { host: 'http://127.0.0.1:1', bucket: 'images', access_key: 'a', secret_key: SECRET } });
    const reg = new StoreRegistry(loadConfig({ ...base, STORE_OPTIONS }), {} as Db);
    assert.deepEqual([...reg.stores.values()].map((s) => `${s.id}:${s.type}`), ['fast:file', 'obj:swift', 's3:s3']);
    assert.doesNotMatch(JSON.stringify([...reg.stores.values()].map((s) => s.properties())), new RegExp(SECRET));
    assert.throws(() => new StoreRegistry(loadConfig({ ...base, STORE_OPTIONS: `{"obj": {"key": "${SECRET}"` }), {} as Db), (e: Error) => /STORE_OPTIONS must be a JSON object/.test(e.message) && !e.message.includes(SECRET));
  });
});
