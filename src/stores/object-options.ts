/**
 * STORE_OPTIONS of the object stores (swift, s3), checked at start: a missing or malformed
 * setting stops the service with one line naming the store and the key. Secrets (`key`,
 * `access_key`, `secret_key`) may be given directly or read from a file (`key_file`, …), so
 * they need not sit in the environment; they are kept by the drivers and never shown.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import type { S3StoreOptions } from './s3.js';
import type { SwiftStoreOptions } from './swift.js';

const MiB = 1 << 20;
type Opts = Record<string, unknown>;

const SWIFT_KEYS = new Set([
  'description', 'weight', 'auth_address', 'auth_version', 'user', 'key', 'key_file', 'user_domain_name', 'project_name', 'project_domain_name',
  'container', 'create_container_on_put', 'large_object_size', 'large_object_chunk_size', 'endpoint', 'endpoint_type', 'region', 'service_type',
  'expire_soon_interval', 'timeout',
]);
const S3_KEYS = new Set([
  'description', 'weight', 'host', 'region', 'bucket', 'access_key', 'access_key_file', 'secret_key', 'secret_key_file', 'bucket_url_format',
  'create_bucket_on_put', 'large_object_size', 'large_object_chunk_size', 'thread_pools',
]);

function bad(id: string, msg: string): never {
  throw new ConfigError(`Invalid configuration: STORE_OPTIONS.${id}: ${msg}`);
}

function unknownKeys(id: string, o: Opts, allowed: Set<string>): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) bad(id, `unknown option ${k} (known: ${[...allowed].join(', ')})`);
}

function str(id: string, o: Opts, key: string, dflt?: string): string {
  const v = o[key] ?? dflt;
  if (typeof v !== 'string' || !v) bad(id, `${key} is required (a non-empty string)`);
  return v;
}

function optStr(id: string, o: Opts, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v) bad(id, `${key} must be a non-empty string`);
  return v;
}

function bool(id: string, o: Opts, key: string, dflt: boolean): boolean {
  const v = o[key] ?? dflt;
  if (typeof v !== 'boolean') bad(id, `${key} must be true or false`);
  return v;
}

/** A size in MiB (fractions allowed, as tests lower it) turned into whole bytes. */
function mib(id: string, o: Opts, key: string, dflt: number, min = 1 / 1024): number {
  const v = o[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) bad(id, `${key} must be a number of MiB, at least ${min}`);
  return Math.round(v * MiB);
}

function int(id: string, o: Opts, key: string, dflt: number, min: number, max: number): number {
  const v = o[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(id, `${key} must be an integer from ${min} to ${max}`);
  return v;
}

function url(id: string, o: Opts, key: string, required: boolean): string | undefined {
  const v = required ? str(id, o, key) : optStr(id, o, key);
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    bad(id, `${key} must be an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(id, `${key} must be an http(s) URL`);
  if (u.username || u.password) bad(id, `${key} must not carry credentials (use the key options)`);
  return v;
}

/** A secret given directly (`name`) or in a file (`name_file`, trailing newline dropped); not both. */
function secret(id: string, o: Opts, name: string): string {
  const direct = optStr(id, o, name);
  const file = optStr(id, o, `${name}_file`);
  if (direct !== undefined && file !== undefined) bad(id, `give ${name} or ${name}_file, not both`);
  if (file !== undefined) {
    let v: string;
    try {
      v = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      bad(id, `${name}_file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!v) bad(id, `${name}_file is empty`);
    return v;
  }
  if (direct === undefined) bad(id, `${name} or ${name}_file is required`);
  return direct;
}

function common(id: string, o: Opts): { description?: string; weight?: number } {
  const description = optStr(id, o, 'description');
  const weight = o.weight === undefined ? undefined : int(id, o, 'weight', 0, -1_000_000, 1_000_000);
  return { description, weight };
}

export function swiftOptions(id: string, o: Opts): SwiftStoreOptions {
  unknownKeys(id, o, SWIFT_KEYS);
  const version = String(o.auth_version ?? '3');
  if (version !== '1' && version !== '3') bad(id, 'auth_version must be 1 (tempauth) or 3 (Keystone)');
  const endpointType = String(o.endpoint_type ?? 'publicURL').replace(/URL$/, '');
  if (!['public', 'internal', 'admin'].includes(endpointType)) bad(id, 'endpoint_type must be publicURL, internalURL or adminURL');
  const largeObjectSize = mib(id, o, 'large_object_size', 5120);
  const largeObjectChunkSize = mib(id, o, 'large_object_chunk_size', 200);
  if (largeObjectSize > 5120 * MiB || largeObjectChunkSize > 5120 * MiB) bad(id, 'large_object_size and large_object_chunk_size are at most 5120 (Swift objects are at most 5 GiB)');
  return {
    id,
    ...common(id, o),
    auth: {
      authUrl: url(id, o, 'auth_address', true)!,
      authVersion: version,
      user: str(id, o, 'user'),
      key: secret(id, o, 'key'),
      userDomain: optStr(id, o, 'user_domain_name'),
      project: version === '3' ? str(id, o, 'project_name') : undefined,
      projectDomain: optStr(id, o, 'project_domain_name'),
      region: optStr(id, o, 'region'),
      interface: endpointType as 'public' | 'internal' | 'admin',
      serviceType: optStr(id, o, 'service_type'),
      endpoint: url(id, o, 'endpoint', false),
      expireSoonMs: int(id, o, 'expire_soon_interval', 60, 0, 86_400) * 1000,
      timeoutMs: int(id, o, 'timeout', 60, 1, 3600) * 1000,
    },
    container: str(id, o, 'container', 'glance'),
    createContainer: bool(id, o, 'create_container_on_put', true),
    largeObjectSize,
    largeObjectChunkSize,
  };
}

export function s3Options(id: string, o: Opts): S3StoreOptions {
  unknownKeys(id, o, S3_KEYS);
  const bucket = str(id, o, 'bucket');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) bad(id, 'bucket must be a valid S3 bucket name (3-63 of a-z 0-9 . -)');
  const format = String(o.bucket_url_format ?? 'auto');
  if (!['auto', 'path', 'virtual'].includes(format)) bad(id, 'bucket_url_format must be auto, path or virtual');
  const host = url(id, o, 'host', true)!;
  return {
    id,
    ...common(id, o),
    endpoint: host,
    region: str(id, o, 'region', 'us-east-1'),
    bucket,
    accessKey: secret(id, o, 'access_key'),
    secretKey: secret(id, o, 'secret_key'),
    // auto: path-style unless the endpoint is AWS itself (a bucket name with dots breaks TLS names)
    pathStyle: format === 'path' || (format === 'auto' && !/\.amazonaws\.com$/i.test(new URL(host).hostname)),
    createBucket: bool(id, o, 'create_bucket_on_put', false),
    largeObjectSize: mib(id, o, 'large_object_size', 100),
    largeObjectChunkSize: mib(id, o, 'large_object_chunk_size', 10, 5),
    threadPools: int(id, o, 'thread_pools', 4, 1, 64),
  };
}
