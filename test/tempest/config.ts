import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Why the Tempest lane cannot run here, or null when it can. */
export function tempestUnavailableReason(): string | null {
  for (const bin of ['tempest', 'stestr']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', env: { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` } });
    } catch {
      return `${bin} is not installed (Debian package tempest): run \`bash scripts/e2e-setup.sh tempest\` as root`;
    }
  }
  return null;
}

export interface TempestConfOptions {
  /** Keystone v3 endpoint, e.g. http://127.0.0.1:PORT/v3 */
  keystoneUrl: string;
  /** Password of Keystone's bootstrap `admin` (project `admin`, domain Default). */
  adminPassword: string;
  /** What web-download imports (and the location tests would add): a loopback fixture. */
  httpImage: string;
  workspace: string;
}

/**
 * tempest.conf for the image API suite against a standard Glance deployment: dynamic
 * credentials (Tempest creates its own projects and users with the admin account), only the
 * image service available, interoperable import enabled and os_glance_* reserved (as since
 * Wallaby). Location management and the image cache stay off, as in Glance's defaults
 * (show_multiple_locations = False, no cache middleware). With the cache on, Tempest's cache
 * test expects a queued image to stay queued until a periodic prefetcher runs (Glance: every
 * 300 s); this service prefetches at once, so that assertion would race.
 */
export function tempestConf(o: TempestConfOptions): string {
  return `[DEFAULT]
log_dir = ${join(o.workspace, 'logs')}
log_file = tempest.log
use_stderr = false

[oslo_concurrency]
lock_path = ${join(o.workspace, 'tempest_lock')}

[auth]
use_dynamic_credentials = true
create_isolated_networks = false
admin_username = admin
admin_password = ${o.adminPassword}
admin_project_name = admin
admin_domain_name = Default

[identity]
auth_version = v3
uri_v3 = ${o.keystoneUrl}
region = RegionOne
v3_endpoint_type = public

[identity-feature-enabled]
api_v2 = false

[service_available]
glance = true
nova = false
neutron = false
cinder = false
swift = false
heat = false
horizon = false

[image]
http_image = ${o.httpImage}
build_timeout = 120
build_interval = 1
image_caching_enabled = false

[image-feature-enabled]
api_v1 = false
api_v2 = true
import_image = true
os_glance_reserved = true
manage_locations = false

[validation]
run_validation = false
`;
}
