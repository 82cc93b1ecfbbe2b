import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, SETTINGS } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

test('defaults: 127.0.0.1:9292', () => {
  const c = loadConfig({});
  assert.equal(c.HOST, '127.0.0.1');
  assert.equal(c.PORT, 9292);
  assert.equal(c.MONGODB_URI, null);
});

test('a bad value is refused with one line naming the setting', () => {
  assert.throws(() => loadConfig({ PORT: 'abc' }), (e: unknown) => e instanceof ConfigError && /PORT must be an integer/.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be at most 65535/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of/);
  assert.throws(() => loadConfig({ AUTH_MODE: 'none' }), /AUTH_MODE must be one of/);
  assert.throws(() => loadConfig({ PUBLIC_ENDPOINT: 'ftp://x' }), /PUBLIC_ENDPOINT must be an http/);
});

test('config file values apply, environment wins, unknown keys refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const f = join(dir, 'c.yaml');
  writeFileSync(f, 'PORT: 1234\nLOG_LEVEL: debug\n');
  const c = loadConfig({ CONFIG_FILE: f, LOG_LEVEL: 'warn' });
  assert.equal(c.PORT, 1234);
  assert.equal(c.LOG_LEVEL, 'warn');
  writeFileSync(f, 'PROT: 1\n');
  assert.throws(() => loadConfig({ CONFIG_FILE: f }), /unknown setting PROT/);
});

test('the README configuration table lists every setting', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  for (const name of Object.keys(SETTINGS)) assert.ok(readme.includes(`\`${name}\``), `README lists ${name}`);
});

test('notification settings: the driver follows the transport URL; a bad URL or a missing one stops the service', () => {
  const c = loadConfig({});
  assert.equal(c.NOTIFICATION_DRIVER, null);
  assert.deepEqual(c.NOTIFICATION_TOPICS, ['notifications']);
  assert.deepEqual(loadConfig({ DISABLED_NOTIFICATIONS: 'image.send, metadef_tag' }).DISABLED_NOTIFICATIONS, ['image.send', 'metadef_tag']);
  assert.equal(loadConfig({ NOTIFICATION_TRANSPORT_URL: 'rabbit://u:p@127.0.0.1:5672/' }).NOTIFICATION_TRANSPORT_URL, 'rabbit://u:p@127.0.0.1:5672/');
  assert.throws(() => loadConfig({ NOTIFICATION_TRANSPORT_URL: 'http://broker/' }), /NOTIFICATION_TRANSPORT_URL must be a rabbit:\/\//);
  assert.throws(() => loadConfig({ NOTIFICATION_DRIVER: 'messagingv2' }), /NOTIFICATION_TRANSPORT_URL is required/);
  assert.throws(() => loadConfig({ NOTIFICATION_DRIVER: 'kafka' }), /NOTIFICATION_DRIVER must be one of/);
  assert.throws(() => loadConfig({ NOTIFICATION_QUEUE_MAX: '0' }), /NOTIFICATION_QUEUE_MAX must be at least 1/);
});
