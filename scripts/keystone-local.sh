#!/usr/bin/env bash
# A throw-away Keystone (Debian package "keystone") on 127.0.0.1 for the
# AUTH_MODE=keystone tests and the end-to-end lane.
#
#   scripts/keystone-local.sh up   DIR PORT   # configure + bootstrap + start; prints the pid
#   scripts/keystone-local.sh down DIR        # stop the server started in DIR, delete DIR
#
# Everything lives in DIR (sqlite database, fernet keys, log, pid file); the
# server is uWSGI running keystone-wsgi-public, one process, bound to loopback.
# Bootstrap creates the `admin` user (password $KS_ADMIN_PASSWORD, default
# "secret") with the admin role on the `admin` project and the identity
# endpoint http://127.0.0.1:PORT/v3 in region RegionOne. Everything else
# (projects, users, the image endpoint) is provisioned through Keystone's API
# by the caller (test/helpers/keystone.ts).
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

die() { echo "keystone-local: $*" >&2; exit 1; }
# shellcheck source=local-down.sh
. "$(dirname "$0")/local-down.sh"

cmd="${1:-}"
dir="${2:-}"
[ -n "$dir" ] || die "usage: $0 up DIR PORT | down DIR"

case "$cmd" in
up)
  port="${3:-}"
  [ -n "$port" ] || die "usage: $0 up DIR PORT"
  command -v keystone-manage >/dev/null || die "keystone-manage not found: run scripts/e2e-setup.sh (installs Debian's keystone)"
  command -v uwsgi >/dev/null || die "uwsgi not found: run scripts/e2e-setup.sh"
  [ -f /usr/lib/uwsgi/plugins/python3_plugin.so ] || die "the uWSGI python3 plugin is missing: run scripts/e2e-setup.sh"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  url="http://127.0.0.1:$port/v3"
  user="$(id -un)"
  group="$(id -gn)"
  cat >"$dir/keystone.conf" <<EOF
[DEFAULT]
debug = false
use_stderr = true

[database]
connection = sqlite:///$dir/keystone.db

[token]
provider = fernet
expiration = ${KS_TOKEN_EXPIRATION:-3600}

[fernet_tokens]
key_repository = $dir/fernet-keys

[fernet_receipts]
key_repository = $dir/fernet-receipts

[credential]
key_repository = $dir/credential-keys

[cache]
enabled = true
backend = dogpile.cache.memory

[identity]
# test instance only: cheap password hashing keeps token issuing fast
password_hash_rounds = 4
EOF
  km=(keystone-manage --config-file "$dir/keystone.conf")
  {
    "${km[@]}" db_sync
    # WAL lets readers and the writer overlap: without it a busy machine sees "database is locked".
    python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' "$dir/keystone.db"
    "${km[@]}" fernet_setup --keystone-user "$user" --keystone-group "$group"
    "${km[@]}" receipt_setup --keystone-user "$user" --keystone-group "$group"
    "${km[@]}" credential_setup --keystone-user "$user" --keystone-group "$group"
    "${km[@]}" bootstrap --bootstrap-username admin --bootstrap-password "${KS_ADMIN_PASSWORD:-secret}" \
      --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-service-name keystone \
      --bootstrap-region-id RegionOne --bootstrap-admin-url "$url" --bootstrap-public-url "$url" \
      --bootstrap-internal-url "$url"
  } >>"$dir/setup.log" 2>&1 || { tail -20 "$dir/setup.log" >&2; die "keystone-manage failed (log: $dir/setup.log)"; }
  # A new session, so that the server survives its starter and is stopped by its pid.
  setsid uwsgi --plugins python3 --http-socket "127.0.0.1:$port" \
    --wsgi-file /usr/bin/keystone-wsgi-public --env "OS_KEYSTONE_CONFIG_DIR=$dir" --chdir "$dir" \
    --master --need-app --lazy-apps --die-on-term --enable-threads --processes 1 --threads 8 \
    --buffer-size 65535 --add-header "Connection: close" \
    </dev/null >>"$dir/keystone.log" 2>&1 &
  echo $! >"$dir/keystone.pid"
  # Loading Keystone takes a few seconds, much longer on a busy machine.
  for _ in $(seq 1 360); do
    if curl -s -o /dev/null --noproxy '*' --max-time 2 "$url"; then
      cat "$dir/keystone.pid"
      exit 0
    fi
    kill -0 "$(cat "$dir/keystone.pid")" 2>/dev/null || { tail -20 "$dir/keystone.log" >&2; die "uwsgi exited (log: $dir/keystone.log)"; }
    sleep 0.25
  done
  tail -20 "$dir/keystone.log" >&2
  die "keystone did not answer on $url within 90 s"
  ;;
down)
  stop_and_remove "$dir/keystone.pid" "$dir"
  ;;
*)
  die "usage: $0 up DIR PORT | down DIR"
  ;;
esac
