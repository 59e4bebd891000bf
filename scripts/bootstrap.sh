#!/usr/bin/env bash
# Set-up that every command shares: find Python >= 3.12, create .venv, install the pinned
# requirements (only when they changed), and the Debian packages they need. Idempotent and fast
# when everything is in place.
#
#   scripts/bootstrap.sh runtime   .venv with requirements.txt, libnl for nsjail   (make run)
#   scripts/bootstrap.sh dev       .venv with requirements-dev.txt, libnl, chromium (make test)
#   scripts/bootstrap.sh python    print the Python >= 3.12 that a new .venv would use
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  python)
    find_python
    ;;
  runtime)
    ensure_venv
    ensure_requirements runtime
    ensure_libnl
    ;;
  dev)
    ensure_venv
    ensure_requirements dev
    ensure_libnl
    ensure_chromium
    ;;
  *)
    echo "usage: $0 runtime|dev|python" >&2
    exit 2
    ;;
esac
