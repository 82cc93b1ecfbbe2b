#!/usr/bin/env bash
# Upstream Glance (Debian package "glance-api") on 127.0.0.1, for the differential lane.
#
#   scripts/glance-local.sh up   DIR PORT KEYSTONE_URL METADEFS_DIR   # configure, load, start; prints the pid
#   scripts/glance-local.sh down DIR                                   # stop the server started in DIR, delete DIR
#
# Everything lives in DIR (configuration, sqlite database, two file stores "fast" and "slow",
# staging, log, pid file); nothing under /etc/glance is read. Tokens are validated by
# keystonemiddleware against KEYSTONE_URL as the `glance` user of project `service`
# (password $KS_SERVICE_PASSWORD, default "secret"), as test/helpers/keystone.ts provisions.
# Policies are upstream's secure-RBAC defaults, the ones this service implements.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

die() { echo "glance-local: $*" >&2; exit 1; }
# shellcheck source=local-down.sh
. "$(dirname "$0")/local-down.sh"

cmd="${1:-}"
dir="${2:-}"
[ -n "$dir" ] || die "usage: $0 up DIR PORT KEYSTONE_URL METADEFS_DIR | down DIR"

case "$cmd" in
up)
  port="${3:-}"
  ks="${4:-}"
  metadefs="${5:-}"
  [ -n "$port" ] && [ -n "$ks" ] && [ -n "$metadefs" ] || die "usage: $0 up DIR PORT KEYSTONE_URL METADEFS_DIR"
  command -v glance-api >/dev/null || die "glance-api not found: run scripts/e2e-setup.sh glance-api glance-common python3-glance"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  mkdir -p "$dir/fast" "$dir/slow" "$dir/staging" "$dir/tasks" "$dir/policy.d" "$dir/lock"
  ks_root="${ks%/v3}"
  cat >"$dir/glance-api.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
workers = 0
debug = false
use_stderr = false
log_file = $dir/glance-api.log
enabled_backends = fast:file, slow:file
enabled_import_methods = [glance-direct,web-download,copy-image]
enforce_secure_rbac = true
image_size_cap = 1099511627776
node_staging_uri = file://$dir/staging

[database]
connection = sqlite:///$dir/glance.sqlite

[glance_store]
default_backend = fast

[fast]
filesystem_store_datadir = $dir/fast
store_description = ${GLANCE_FAST_DESCRIPTION:-}

[slow]
filesystem_store_datadir = $dir/slow
store_description = ${GLANCE_SLOW_DESCRIPTION:-}

[os_glance_staging_store]
filesystem_store_datadir = $dir/staging

[os_glance_tasks_store]
filesystem_store_datadir = $dir/tasks

# web-download may reach the lane's fixture server on loopback, on any port (as HTTP_ALLOWED_HOSTS here).
[import_filtering_opts]
allowed_hosts = [127.0.0.1]
allowed_ports = []
disallowed_ports = []

[keystone_authtoken]
www_authenticate_uri = $ks_root
auth_url = $ks_root
auth_type = password
project_name = service
project_domain_name = Default
username = glance
user_domain_name = Default
password = ${KS_SERVICE_PASSWORD:-secret}
region_name = RegionOne
service_token_roles_required = true

[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
policy_file = $dir/policy.yaml
policy_dirs = $dir/policy.d

[oslo_concurrency]
lock_path = $dir/lock

[paste_deploy]
flavor = keystone
config_file = $dir/glance-api-paste.ini
CONF
  # The stock keystone pipeline (healthcheck, profiler and CORS left out: nothing here uses them).
  cat >"$dir/glance-api-paste.ini" <<'PASTE'
[pipeline:glance-api-keystone]
pipeline = http_proxy_to_wsgi versionnegotiation authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
PASTE
  gm=(glance-manage --config-file "$dir/glance-api.conf")
  {
    "${gm[@]}" db_sync
    "${gm[@]}" db_load_metadefs "$metadefs"
  } >>"$dir/setup.log" 2>&1 || { tail -20 "$dir/setup.log" >&2; die "glance-manage failed (log: $dir/setup.log)"; }
  # A new session, so that the server survives its starter and is stopped by its pid.
  setsid glance-api --config-file "$dir/glance-api.conf" </dev/null >>"$dir/glance-api.out" 2>&1 &
  echo $! >"$dir/glance.pid"
  url="http://127.0.0.1:$port/versions"
  for _ in $(seq 1 480); do
    if curl -s -o /dev/null --noproxy '*' --max-time 2 "$url"; then
      cat "$dir/glance.pid"
      exit 0
    fi
    kill -0 "$(cat "$dir/glance.pid")" 2>/dev/null || { tail -20 "$dir/glance-api.out" "$dir/glance-api.log" >&2; die "glance-api exited (log: $dir/glance-api.log)"; }
    sleep 0.25
  done
  tail -20 "$dir/glance-api.log" >&2
  die "glance-api did not answer on $url within 120 s"
  ;;
down)
  stop_and_remove "$dir/glance.pid" "$dir"
  ;;
*)
  die "usage: $0 up DIR PORT KEYSTONE_URL METADEFS_DIR | down DIR"
  ;;
esac
