#!/usr/bin/env bash
# `make run`: set everything up, then run Redis (when none answers), the RQ workers and gunicorn
# in the foreground until Ctrl-C, which stops everything this script started.
#
# Environment (see .env.example): REDIS_URL, DATABASE_URL, MERCURY_WORKERS (default: one per
# core), MERCURY_WORKER_NICE (default 10), GUNICORN_WORKERS (default 2), GUNICORN_THREADS
# (default 8), MERCURY_BIND (default 127.0.0.1:8000), MERCURY_ADMIN_USER /
# MERCURY_ADMIN_PASSWORD, and the DJANGO_* settings.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MERCURY_ROOT"

bash scripts/bootstrap.sh runtime

PY="$VENV/bin/python"
BIND="${MERCURY_BIND:-127.0.0.1:8000}"
WORKERS="${MERCURY_WORKERS:-$(nproc)}"
GUNICORN_WORKERS="${GUNICORN_WORKERS:-2}"
GUNICORN_THREADS="${GUNICORN_THREADS:-8}"
WORKER_NICE="${MERCURY_WORKER_NICE:-10}"
[[ "$WORKERS" =~ ^[0-9]+$ ]] || die "MERCURY_WORKERS must be a number, not '$WORKERS'"
[[ "$GUNICORN_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "GUNICORN_WORKERS must be a positive number"
[[ "$GUNICORN_THREADS" =~ ^[1-9][0-9]*$ ]] || die "GUNICORN_THREADS must be a positive number"
[[ "$WORKER_NICE" =~ ^[0-9]+$ && "$WORKER_NICE" -le 19 ]] || die "MERCURY_WORKER_NICE must be 0..19"
mkdir -p "$VAR_DIR"
BIND_HOST="${BIND%:*}"
if [[ "$BIND" == *:* ]] && timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "${BIND_HOST:-127.0.0.1}" "${BIND##*:}" 2>/dev/null; then
  die "something already listens on $BIND: stop it, or pick another address: MERCURY_BIND=127.0.0.1:PORT make run"
fi

# A key of this checkout's own rather than the public development key; production sets its own.
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  if [ ! -s "$VAR_DIR/secret-key" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$VAR_DIR/secret-key")
    log "generated a secret key for this checkout: var/secret-key"
  fi
  DJANGO_SECRET_KEY="$(cat "$VAR_DIR/secret-key")"
  export DJANGO_SECRET_KEY
fi

# Every child runs in a session of its own (setsid): Ctrl-C reaches only this script, whose trap
# stops gunicorn with its workers and each RQ worker with its work horse and jails.
PGIDS=()
STOPPING=""
signal_groups() {
  local pgid
  for pgid in "${PGIDS[@]}"; do kill "-$1" -- "-$pgid" 2>/dev/null || true; done
}
# wait_groups N: wait up to N tenths of a second for every process group to be gone.
wait_groups() {
  local i pgid alive
  for ((i = 0; i < $1; i++)); do
    alive=""
    for pgid in "${PGIDS[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || return 0
    sleep 0.1
  done
  return 1
}
cleanup() {
  local status=$?
  [ -n "$STOPPING" ] && return
  STOPPING=1
  trap - INT TERM
  if [ "${#PGIDS[@]}" -gt 0 ]; then
    log "stopping gunicorn and the workers (up to 5 s for jobs in hand to finish)"
    signal_groups TERM
    # RQ finishes the job in hand on the first TERM (warm shutdown); a second TERM makes it kill
    # its work horse, which runs in a session of its own (cold shutdown); then KILL what is left.
    wait_groups 50 || { signal_groups TERM; wait_groups 30; } || signal_groups KILL
  fi
  stop_started_redis
  log "stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_redis

# check, migrate, load_tasks, collectstatic, ensure_admin, calibrate, recover_submissions:
# one process, not seven.
"$PY" scripts/prepare.py

if [ "$WORKERS" -gt 0 ]; then
  if is_root; then
    "$PY" -c 'from evaluator.sandbox import prepare_host; prepare_host()' ||
      warn "the sandbox is not ready on this host (see above): evaluations will fail"
  else
    warn "not running as root: nsjail needs root for its namespaces and cgroups, so" \
      "evaluations will fail. Run \`make run\` as root (or the workers: see docs/deployment.md)."
  fi
  log "starting $WORKERS RQ worker(s) at nice $WORKER_NICE: manage.py rqworker --with-scheduler evaluate calibrate default (log: var/worker-N.log)"
  # A worker that loses Redis in the middle of a job exits; like systemd's Restart=always, the
  # loop starts it again. --with-scheduler: retries wait in RQ's scheduled registry.
  # Niced below gunicorn, so pages stay fast while a submission is judged. Timing is not
  # affected: the harness reads a per-thread CPU clock, which counts only the time the code ran
  # (and nsjail runs the jailed code at nice 19 in any case); docs/deployment.md has the check.
  for i in $(seq "$WORKERS"); do
    setsid nice -n "$WORKER_NICE" bash -c 'while :; do
        "$0" manage.py rqworker --with-scheduler evaluate calibrate default
        echo "[mercury] worker exited with status $?; starting it again in 5 s" >&2
        sleep 5
      done' "$PY" >>"$VAR_DIR/worker-$i.log" 2>&1 &
    PGIDS+=($!)
  done
else
  warn "MERCURY_WORKERS=0: no RQ workers here; submissions wait for workers on other hosts"
fi

# The stale-run detector: enqueue again what Redis lost or a dead worker left (at once, then
# every minute). Safe with several hosts running it.
log "starting the stale-run detector: manage.py recover_submissions --every 60 (log: var/recover.log)"
setsid nice -n "$WORKER_NICE" "$PY" manage.py recover_submissions --every 60 >>"$VAR_DIR/recover.log" 2>&1 &
PGIDS+=($!)

# gthread: a worker process serves GUNICORN_THREADS requests at once, so slow or keep-alive
# clients do not queue behind each other; one process per core runs the Python.
log "starting gunicorn portal.wsgi on $BIND with $GUNICORN_WORKERS worker(s) x $GUNICORN_THREADS threads"
setsid "$VENV/bin/gunicorn" portal.wsgi -b "$BIND" --workers "$GUNICORN_WORKERS" \
  --worker-class gthread --threads "$GUNICORN_THREADS" \
  --control-socket "$VAR_DIR/gunicorn.ctl" --access-logfile - --error-logfile - &
GUNICORN_PID=$!
PGIDS+=("$GUNICORN_PID")

URL="http://$BIND/"
for ((i = 0; ; i++)); do
  kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn exited (see above)"
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "${BIND_HOST:-127.0.0.1}" "${BIND##*:}" 2>/dev/null && break
  [ "$i" -lt 100 ] || die "gunicorn did not start listening on $BIND within 30 s"
  sleep 0.3
done

if [ -n "${MERCURY_ADMIN_USER:-}" ] && [ -n "${MERCURY_ADMIN_PASSWORD:-}" ]; then
  ADMIN_HELP="sign in at ${URL}admin/ as '$MERCURY_ADMIN_USER' with MERCURY_ADMIN_PASSWORD"
else
  ADMIN_HELP="sign in at ${URL}admin/; no account yet? .venv/bin/python manage.py createsuperuser
           (or start with MERCURY_ADMIN_USER=admin MERCURY_ADMIN_PASSWORD=... make run)"
fi
cat >&2 <<MSG

  Mercury Leaderboard is running at $URL
  Admin:   $ADMIN_HELP
  Workers: $WORKERS (logs in var/worker-N.log), Redis at $REDIS_HOST:$REDIS_PORT
  Press Ctrl-C to stop.

MSG

# Run until Ctrl-C, or until one of the processes exits on its own.
set +e
wait -n "${PGIDS[@]}"
status=$?
[ -n "$STOPPING" ] || warn "a process exited on its own (status $status): stopping the rest"
exit "$status"
