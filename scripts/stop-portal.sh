#!/usr/bin/env bash
# `make stop`: stop this checkout's `make run` from another terminal (as Ctrl-C would), then any
# process an earlier run left behind (after a `make run` killed with SIGKILL, a worker's orphaned
# work horse). Safe when nothing runs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MERCURY_ROOT"

if pid="$(supervisor_pid)"; then
  log "stopping make run (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # Its own stop takes at most about 12 s (5 s for jobs in hand, then TERM, then KILL).
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && warn "make run (pid $pid) did not exit within 20 s: stopping its processes directly"
fi
if left="$(instance_tool stop)"; then
  [ -z "$left" ] || log "stopped processes of an earlier run:"$'\n'"$left"
  log "stopped: no process of this checkout's make run is left"
else
  die "these processes did not stop:"$'\n'"$left"
fi
