#!/usr/bin/env bash
# A throw-away single-node, single-replica Swift (Debian packages swift, swift-proxy,
# swift-account, swift-container, swift-object) on 127.0.0.1 for the object-store tests.
#
#   scripts/swift-local.sh up   DIR PORT [KEYSTONE_URL]  # build rings, start 4 servers and the object updater; prints the proxy URL
#   scripts/swift-local.sh down DIR                      # stop the servers started in DIR, delete DIR
#
# Everything lives in DIR: configuration, rings (built with swift-ring-builder), the device
# directory (mount_check = false, data on the local disk), logs and pid files. The proxy
# listens on PORT; the account, container and object servers on free loopback ports.
# As in a real cluster, container listings follow object writes and deletes eventually: an
# object server gives up waiting for its container update after 1 s and leaves it to finish in
# the background or, if it fails, to the object updater (here every second).
# The proxy pipeline has:
#   - tempauth: account `test`, user `tester`, key `testing` (admin), storage URL
#     http://127.0.0.1:PORT/v1/AUTH_test, auth at http://127.0.0.1:PORT/auth/v1.0;
#     user `test:reader` (key `reading`) has no rights on the account; account `glance`,
#     user `glance:store`, key $SWIFT_STORE_KEY (default `St0re-k3y`, distinctive so tests can
#     check it never shows);
#   - s3api: the same cluster answers S3 (path-style, region us-east-1) with tempauth
#     credentials: access key `test:tester`, secret `testing`;
#   - with KEYSTONE_URL (http://host:port/v3): authtoken + keystoneauth, accounts
#     KEY_<project id>, roles admin and member operate them; the service user is
#     glance/secret in project service (test/helpers/keystone.ts provisions it).
# Token lifetime of tempauth is $SWIFT_TOKEN_LIFE seconds (default 86400).
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

die() { echo "swift-local: $*" >&2; exit 1; }
# shellcheck source=local-down.sh
. "$(dirname "$0")/local-down.sh"
here="$(cd "$(dirname "$0")" && pwd)"

cmd="${1:-}"
dir="${2:-}"
[ -n "$dir" ] || die "usage: $0 up DIR PORT [KEYSTONE_URL] | down DIR"

free_ports() {
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); socks.append(s)
print(' '.join(str(s.getsockname()[1]) for s in socks))
PY
}

case "$cmd" in
up)
  port="${3:-}"
  keystone="${4:-}"
  [ -n "$port" ] || die "usage: $0 up DIR PORT [KEYSTONE_URL]"
  for bin in swift-proxy-server swift-account-server swift-container-server swift-object-server swift-object-updater swift-ring-builder; do
    command -v "$bin" >/dev/null || die "$bin not found: install Debian's swift swift-proxy swift-account swift-container swift-object"
  done
  mkdir -p "$dir/srv/d1"
  dir="$(cd "$dir" && pwd)"
  user="$(id -un)"
  read -r aport cport oport <<<"$(free_ports 3)"
  hash="$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
  cat >"$dir/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = $hash
swift_hash_path_prefix = $hash

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
CONF
  common="[DEFAULT]
swift_dir = $dir
devices = $dir/srv
mount_check = false
bind_ip = 127.0.0.1
user = $user
workers = 1
log_name = swift
log_level = INFO
log_address = $dir/no-syslog"
  for kind in account container object; do
    case "$kind" in account) p=$aport;; container) p=$cport;; object) p=$oport;; esac
    cat >"$dir/$kind-server.conf" <<CONF
$common
bind_port = $p

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind

[$kind-replicator]
[$kind-auditor]
[$kind-updater]
interval = 1
recon_cache_path = $dir
CONF
    b="$dir/$kind.builder"
    {
      swift-ring-builder "$b" create 6 1 1
      swift-ring-builder "$b" add "r1z1-127.0.0.1:$p/d1" 100
      swift-ring-builder "$b" rebalance
    } >>"$dir/setup.log" 2>&1 || { rc=$?; [ $rc -eq 1 ] || { tail -20 "$dir/setup.log" >&2; die "swift-ring-builder failed"; }; }
    [ -f "$dir/$kind.ring.gz" ] || { tail -20 "$dir/setup.log" >&2; die "no $kind ring was built"; }
  done
  auth="tempauth"
  ksfilters=""
  if [ -n "$keystone" ]; then
    /usr/bin/python3 -c 'import keystonemiddleware' 2>/dev/null || die "python3-keystonemiddleware is missing (Keystone auth needs it; Debian's keystone package brings it)"
    auth="authtoken keystoneauth tempauth"
    ksfilters="
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $keystone
auth_url = $keystone
auth_type = password
username = glance
password = ${KS_SERVICE_PASSWORD:-secret}
project_name = service
user_domain_name = Default
project_domain_name = Default
delay_auth_decision = true
include_service_catalog = false
# each request is checked with Keystone, so a revoked token is refused at once
token_cache_time = -1

[filter:keystoneauth]
use = egg:swift#keystoneauth
reseller_prefix = KEY_
operator_roles = admin, member
"
  fi
  cat >"$dir/proxy-server.conf" <<CONF
[DEFAULT]
swift_dir = $dir
bind_ip = 127.0.0.1
bind_port = $port
user = $user
# one process: the cache below is a dict in it
workers = 0
log_name = swift-proxy
log_level = INFO
log_address = $dir/no-syslog

[pipeline:main]
pipeline = catch_errors gatekeeper proxy-logging cache s3api $auth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
paste.filter_factory = swift_local_cache:filter_factory

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false

[filter:tempauth]
use = egg:swift#tempauth
reseller_prefix = AUTH_
token_life = ${SWIFT_TOKEN_LIFE:-86400}
user_test_tester = testing .admin
user_test_reader = reading
user_glance_store = ${SWIFT_STORE_KEY:-St0re-k3y} .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
$ksfilters
CONF
  : >"$dir/pids"
  for s in account container object proxy; do
    # A new session, so that the servers survive their starter and are stopped by their pids.
    PYTHONPATH="$here" setsid "swift-$s-server" "$dir/$s-server.conf" -v </dev/null >>"$dir/$s.log" 2>&1 &
    echo $! >>"$dir/pids"
  done
  setsid swift-object-updater "$dir/object-server.conf" -v </dev/null >>"$dir/object-updater.log" 2>&1 &
  echo $! >>"$dir/pids"
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null --noproxy '*' --max-time 2 -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' -w '%{http_code}' "$url/auth/v1.0" | grep -q 200; then
      echo "$url"
      exit 0
    fi
    while read -r pid; do
      kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir"/*.log >&2; die "a swift server exited (logs in $dir)"; }
    done <"$dir/pids"
    sleep 0.25
  done
  tail -n 20 "$dir"/*.log >&2
  die "swift did not answer on $url within 60 s"
  ;;
down)
  if [ -s "$dir/pids" ]; then
    while read -r pid; do
      echo "$pid" >"$dir/one.pid"
      stop_and_remove "$dir/one.pid" /nonexistent-swift-local
    done <"$dir/pids"
  fi
  stop_and_remove /nonexistent "$dir"
  ;;
*)
  die "usage: $0 up DIR PORT [KEYSTONE_URL] | down DIR"
  ;;
esac
