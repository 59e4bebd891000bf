#!/usr/bin/env bash
# Start a local Redis (bound to 127.0.0.1, no persistence, daemonized) when nothing answers at
# REDIS_URL (default redis://127.0.0.1:6379/0); installs Debian's redis-server when missing.
#   scripts/ensure-redis.sh        start one if needed
#   scripts/ensure-redis.sh stop   stop the one this script started (var/redis-PORT.pid)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-start}" in
  start)
    ensure_redis
    if [ -n "$REDIS_STARTED_PIDFILE" ]; then
      log "started redis-server (pid $(cat "$REDIS_STARTED_PIDFILE")); stop it with: $0 stop"
    fi
    ;;
  stop)
    redis_parse_url
    REDIS_STARTED_PIDFILE="$VAR_DIR/redis-$REDIS_PORT.pid"
    [ -f "$REDIS_STARTED_PIDFILE" ] || die "no $REDIS_STARTED_PIDFILE: this script started no Redis on port $REDIS_PORT"
    stop_started_redis
    ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
