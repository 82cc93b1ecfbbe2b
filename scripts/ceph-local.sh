#!/usr/bin/env bash
# A throw-away single-node Ceph (Debian packages ceph-mon, ceph-osd, ceph-common) on 127.0.0.1,
# for the rbd store's tests.
#
#   scripts/ceph-local.sh up   DIR PORT [POOL]   # start; prints the path of DIR/ceph.conf
#   scripts/ceph-local.sh down DIR               # stop the daemons started in DIR, delete DIR
#
# One monitor on PORT (msgr2), one in-memory "memstore" OSD, no cephx, pool POOL (default
# "images") with size 1 and the rbd application. Everything lives in DIR (ceph.conf, monitor
# store, OSD metadata, logs, admin sockets, pid files); nothing under /etc/ceph or
# /var/lib/ceph is read or written. Clients use `-c DIR/ceph.conf`.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

die() { echo "ceph-local: $*" >&2; exit 1; }
# shellcheck source=local-down.sh
. "$(dirname "$0")/local-down.sh"

cmd="${1:-}"
dir="${2:-}"
[ -n "$dir" ] || die "usage: $0 up DIR PORT [POOL] | down DIR"

case "$cmd" in
up)
  port="${3:-}"
  pool="${4:-images}"
  [ -n "$port" ] || die "usage: $0 up DIR PORT [POOL]"
  for b in ceph-mon ceph-osd ceph rbd monmaptool; do
    command -v "$b" >/dev/null || die "$b not found: run scripts/e2e-setup.sh ceph-mon ceph-osd ceph-common"
  done
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  mkdir -p "$dir/mon" "$dir/osd" "$dir/run" "$dir/log"
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  conf="$dir/ceph.conf"
  cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$port
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = false
keyring = /dev/null
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
log to stderr = false
err to stderr = false
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
osd objectstore = memstore
memstore device bytes = ${CEPH_MEMSTORE_BYTES:-2147483648}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
osd max object name len = 256
osd max object namespace len = 64
# No cluster-wide metrics daemon here: nothing waits for a manager.
mon warn on no mgr = false
[client]
client mount timeout = 10
rados mon op timeout = 10
rados osd op timeout = 30
CONF
  c=(-c "$conf")
  {
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$port]" "$dir/monmap"
    ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap"
  } >>"$dir/setup.log" 2>&1 || { tail -20 "$dir/setup.log" >&2; die "monitor mkfs failed (log: $dir/setup.log)"; }
  # Daemons in the foreground of their own sessions: they survive their starter, stop by pid.
  setsid ceph-mon "${c[@]}" -f -i a </dev/null >>"$dir/log/mon.out" 2>&1 &
  echo $! >"$dir/mon.pid"
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  osd_id="$(timeout 30 ceph "${c[@]}" --connect-timeout 20 osd new "$osd_uuid" 2>>"$dir/setup.log")" ||
    { tail -20 "$dir/setup.log" "$dir/log/mon.a.log" >&2; die "monitor did not answer on port $port"; }
  mkdir -p "$dir/osd/osd.$osd_id"
  ceph-osd "${c[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$dir/setup.log" 2>&1 ||
    { tail -20 "$dir/setup.log" >&2; die "osd mkfs failed (log: $dir/setup.log)"; }
  setsid ceph-osd "${c[@]}" -f -i "$osd_id" </dev/null >>"$dir/log/osd.out" 2>&1 &
  echo $! >"$dir/osd.pid"
  {
    ceph "${c[@]}" osd pool create "$pool" 8 8 replicated
    ceph "${c[@]}" osd pool set "$pool" size 1 --yes-i-really-mean-it
    ceph "${c[@]}" osd pool set "$pool" min_size 1
    ceph "${c[@]}" osd pool application enable "$pool" rbd
  } >>"$dir/setup.log" 2>&1 || { tail -20 "$dir/setup.log" >&2; die "pool setup failed (log: $dir/setup.log)"; }
  # Ready when a client can write to the pool (the OSD is up and its placement groups active).
  for _ in $(seq 1 240); do
    if timeout 10 rados "${c[@]}" -p "$pool" put ceph-local-ready /dev/null >/dev/null 2>&1; then
      rados "${c[@]}" -p "$pool" rm ceph-local-ready >/dev/null 2>&1 || true
      echo "$conf"
      exit 0
    fi
    for p in mon osd; do
      kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null || { tail -20 "$dir/log/$p.out" "$dir"/log/*.log >&2; die "ceph-$p exited (logs: $dir/log)"; }
    done
    sleep 0.25
  done
  die "the pool $pool did not become writable within 60 s (logs: $dir/log)"
  ;;
down)
  # The OSD first (it would otherwise wait for the monitor), then the monitor with the directory.
  if [ -s "$dir/osd.pid" ]; then
    pid="$(cat "$dir/osd.pid")"
    kill -KILL "$pid" 2>/dev/null || true # memstore: nothing to flush
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  stop_and_remove "$dir/mon.pid" "$dir"
  ;;
*)
  die "usage: $0 up DIR PORT [POOL] | down DIR"
  ;;
esac
