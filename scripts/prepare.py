"""`make run`'s database, task and static set-up, in one process to keep repeated runs quick.

Runs, as `manage.py` would: check, migrate, load_tasks, collectstatic (skipped when the static
sources are unchanged since the last run), ensure_admin, then recovery (`recover_submissions
--startup`): queue the calibrations this host lacks and everything an earlier run left
unfinished, and say what was recovered. Needs Redis.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Print a step the way the shell scripts do."""
    print(f"[mercury] {message}", file=sys.stderr, flush=True)


def static_fingerprint() -> str:
    """A hash of every file collectstatic would collect (path, size, mtime) and the storage."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def main() -> None:
    """Run the set-up steps in order; any failure stops `make run`."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("check")
    log("manage.py migrate")
    call_command("migrate", interactive=False, verbosity=0)
    log("manage.py load_tasks")
    call_command("load_tasks")

    stamp = Path(settings.STATIC_ROOT) / ".mercury-collectstatic.stamp"
    fingerprint = static_fingerprint()
    if stamp.is_file() and stamp.read_text() == fingerprint:
        log("manage.py collectstatic: static files unchanged, skipped")
    else:
        log("manage.py collectstatic")
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)

    log("manage.py ensure_admin")
    call_command("ensure_admin")
    # One recovery path with the stale-run detector: calibrations this host lacks, and whatever
    # an earlier run left unfinished (killed workers, a Redis restart, leftover job records).
    from portal.services.recovery import recovery_run

    log("recovery: calibrations this host lacks, work an earlier run left unfinished")
    log(recovery_run(startup=True).summary())


if __name__ == "__main__":
    main()
