#!/usr/bin/env bash
# `make run`: set everything up, then run Redis (when none answers), the RQ workers and gunicorn
# in the foreground until Ctrl-C or SIGTERM (or `make stop`), which stops everything this script
# started, at any moment, within seconds. Crash-only: a start after any kill finds what an earlier
# run left (its orphaned processes, its unfinished work) and says what it did about it.
#
# Environment (see .env.example): REDIS_URL, DATABASE_URL, MERCURY_WORKERS (default: one per
# core), MERCURY_WORKER_NICE (default 10), GUNICORN_WORKERS (default 2), GUNICORN_THREADS
# (default 8), MERCURY_BIND (default 127.0.0.1:8000), MERCURY_RECOVER_EVERY (default 60),
# MERCURY_STOP_ORPHANS (1: stop an earlier run's orphans without asking), MERCURY_VAR_DIR
# (default var/), MERCURY_ADMIN_USER / MERCURY_ADMIN_PASSWORD, and the DJANGO_* settings.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MERCURY_ROOT"

# Every process this run starts carries the mark (scripts/instance.py); this one does not.
MERCURY_INSTANCE="$(instance_id)"
export MERCURY_INSTANCE MERCURY_VAR_DIR="$VAR_DIR"

# Stopping, at any moment (a start-up step still running included): every child runs in a
# session of its own (setsid), so Ctrl-C reaches only this script, whose trap stops gunicorn
# with its workers and each RQ worker with its work horse and jails, then whatever else carries
# the mark (a work horse whose worker was killed, a step in progress).
PGIDS=()
STEP_PID=""
STOPPING=""
OWNED=""
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
  local status=$? left
  [ -n "$STOPPING" ] && return
  STOPPING=1
  # A second Ctrl-C or SIGTERM must not cut the stop short (leaving half of it running): the
  # stop escalates to SIGKILL by itself within seconds.
  trap '' INT TERM
  [ -z "$STEP_PID" ] || kill -TERM -- "-$STEP_PID" 2>/dev/null || true
  if [ "${#PGIDS[@]}" -gt 0 ]; then
    log "stopping gunicorn and the workers (up to 5 s for jobs in hand to finish)"
    signal_groups TERM
    # RQ finishes the job in hand on the first TERM (warm shutdown); a second TERM makes it kill
    # its work horse, which runs in a session of its own (cold shutdown); then KILL what is left.
    wait_groups 50 || { signal_groups TERM; wait_groups 30; } || signal_groups KILL
  fi
  stop_started_redis
  if [ -z "$OWNED" ]; then # refused to start: an earlier run's processes are not ours to stop
    [ "$(cat "$VAR_DIR/run.pid" 2>/dev/null)" = "$$" ] && rm -f "$VAR_DIR/run.pid"
    exit "$status"
  fi
  # Whatever still carries the mark: work horses and jails of killed workers, a set-up step.
  if left="$(instance_tool stop --grace 2)"; then
    [ -z "$left" ] || log "stopped what was left of this run:"$'\n'"$left"
    log "stopped: no process of this run is left"
  else
    warn "these processes of this run did not stop (see \`ps\`):"$'\n'"$left"
    [ "$status" -ne 0 ] || status=1
  fi
  [ "$(cat "$VAR_DIR/run.pid" 2>/dev/null)" = "$$" ] && rm -f "$VAR_DIR/run.pid"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step CMD...: run a start-up step in a session of its own and wait for it, so that a signal
# stops the run at once instead of after the step (bash runs traps only between commands).
step() {
  setsid "$@" &
  STEP_PID=$!
  local status=0
  wait "$STEP_PID" || status=$?
  STEP_PID=""
  return "$status"
}

# One run per checkout; an earlier run's orphans are named and stopped (after asking).
if pid="$(supervisor_pid)"; then
  die "make run is already running here (pid $pid): stop it with Ctrl-C in its terminal, or \`make stop\`"
fi
echo "$$" >"$VAR_DIR/run.pid"
if orphans="$(instance_tool list)"; then
  :
else
  warn "processes of an earlier \`make run\` of this checkout are still running:"$'\n'"$orphans"
  answer=""
  if [ "${MERCURY_STOP_ORPHANS:-}" = 1 ]; then
    answer=y
  elif [ -t 0 ]; then
    read -r -p "[mercury] stop them and start afresh? [Y/n] " answer || answer=n
    answer="${answer:-y}"
  fi
  case "$answer" in
    y* | Y*) instance_tool stop >&2 || die "could not stop them all (see above)" ;;
    *) die "stop them first: \`make stop\` (or MERCURY_STOP_ORPHANS=1 make run)" ;;
  esac
fi
OWNED=1 # from here on, a stop stops everything that carries the mark

step bash scripts/bootstrap.sh runtime

PY="$VENV/bin/python"
BIND="${MERCURY_BIND:-127.0.0.1:8000}"
WORKERS="${MERCURY_WORKERS:-$(nproc)}"
GUNICORN_WORKERS="${GUNICORN_WORKERS:-2}"
GUNICORN_THREADS="${GUNICORN_THREADS:-8}"
WORKER_NICE="${MERCURY_WORKER_NICE:-10}"
RECOVER_EVERY="${MERCURY_RECOVER_EVERY:-60}"
[[ "$WORKERS" =~ ^[0-9]+$ ]] || die "MERCURY_WORKERS must be a number, not '$WORKERS'"
[[ "$GUNICORN_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "GUNICORN_WORKERS must be a positive number"
[[ "$GUNICORN_THREADS" =~ ^[1-9][0-9]*$ ]] || die "GUNICORN_THREADS must be a positive number"
[[ "$WORKER_NICE" =~ ^[0-9]+$ && "$WORKER_NICE" -le 19 ]] || die "MERCURY_WORKER_NICE must be 0..19"
[[ "$RECOVER_EVERY" =~ ^[1-9][0-9]*$ ]] || die "MERCURY_RECOVER_EVERY must be a positive number of seconds"
BIND_HOST="${BIND%:*}"
if [[ "$BIND" == *:* ]] && timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "${BIND_HOST:-127.0.0.1}" "${BIND##*:}" 2>/dev/null; then
  die "something already listens on $BIND: stop it, or pick another address: MERCURY_BIND=127.0.0.1:PORT make run"
fi
# gunicorn and the detector stop when this script dies, however it dies (even SIGKILL).
PDEATHSIG=()
if setpriv --help 2>/dev/null | grep -q -- --pdeathsig; then PDEATHSIG=(setpriv --pdeathsig TERM); fi

# A key of this checkout's own rather than the public development key; production sets its own.
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  if [ ! -s "$VAR_DIR/secret-key" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$VAR_DIR/secret-key")
    log "generated a secret key for this checkout: var/secret-key"
  fi
  DJANGO_SECRET_KEY="$(cat "$VAR_DIR/secret-key")"
  export DJANGO_SECRET_KEY
fi

ensure_redis

# check, migrate, load_tasks, collectstatic, ensure_admin, then recovery (calibrations this host
# lacks, work an earlier run left unfinished, which it reports): one process, not seven.
step "$PY" scripts/prepare.py

if [ "$WORKERS" -gt 0 ]; then
  if is_root; then
    step "$PY" -c 'from evaluator.sandbox import prepare_host; prepare_host()' ||
      warn "the sandbox is not ready on this host (see above): evaluations will fail"
  else
    warn "not running as root: nsjail needs root for its namespaces and cgroups, so" \
      "evaluations will fail. Run \`make run\` as root (or the workers: see docs/deployment.md)."
  fi
  log "starting $WORKERS RQ worker(s) at nice $WORKER_NICE: manage.py rqworker --with-scheduler evaluate calibrate default (log: $VAR_DIR/worker-N.log)"
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

# The stale-run detector: the start-up's recovery again every minute (work Redis lost, jobs of
# dead workers). Safe with several hosts running it.
log "starting the stale-run detector: manage.py recover_submissions --every $RECOVER_EVERY (log: $VAR_DIR/recover.log)"
setsid "${PDEATHSIG[@]}" nice -n "$WORKER_NICE" "$PY" manage.py recover_submissions --every "$RECOVER_EVERY" >>"$VAR_DIR/recover.log" 2>&1 &
PGIDS+=($!)

# gthread: a worker process serves GUNICORN_THREADS requests at once, so slow or keep-alive
# clients do not queue behind each other; one process per core runs the Python.
log "starting gunicorn portal.wsgi on $BIND with $GUNICORN_WORKERS worker(s) x $GUNICORN_THREADS threads"
setsid "${PDEATHSIG[@]}" "$VENV/bin/gunicorn" portal.wsgi -b "$BIND" --workers "$GUNICORN_WORKERS" \
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
  Press Ctrl-C to stop (or run \`make stop\` elsewhere).

MSG

# Run until Ctrl-C, or until one of the processes exits on its own.
set +e
wait -n "${PGIDS[@]}"
status=$?
[ -n "$STOPPING" ] || warn "a process exited on its own (status $status): stopping the rest"
exit "$status"
