# Sourced by the scripts that run a real component in a private directory (keystone-local.sh,
# glance-local.sh): stops the process whose id is in PIDFILE (TERM, then KILL after 5 s) and
# removes DIR with everything the component wrote.
stop_and_remove() {
  local pidfile="$1" dir="$2" pid
  if [ -s "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  case "$dir" in /|"") die "refusing to delete '$dir'";; esac
  rm -rf "$dir"
}
