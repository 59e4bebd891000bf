"""`make run`'s processes, found by their mark: list them, or stop every one of them.

Every process `make run` starts (Redis when it starts one, the set-up step, the RQ workers with
their work horses and jails' nsjail, the stale-run detector, gunicorn with its workers) inherits
MERCURY_INSTANCE, the real path of the run's var folder. The mark survives what a process tree
does not: a worker killed with SIGKILL leaves its work horse to init, a `make run` killed with
SIGKILL leaves all of its children. So a stop finds everything it started, and a start finds
the orphans of an earlier run of the same checkout.

    instance.py list INSTANCE            print them; exit status 3 when there are some
    instance.py stop INSTANCE [--grace S] SIGTERM, then SIGKILL after S seconds (default 3)

Standard library only: it runs before the virtualenv's packages are needed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MARK = "MERCURY_INSTANCE"


@dataclass(frozen=True)
class Process:
    """One marked process: its pid and command line."""

    pid: int
    command: str

    def describe(self) -> str:
        """'pid 123: gunicorn portal.wsgi -b ...', cut to one line."""
        command = " ".join(self.command.split())
        command = command if len(command) <= 110 else command[:107] + "..."
        return f"pid {self.pid}: {command}"


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _ancestors() -> set[int]:
    """This process and its parents: never ours to stop."""
    found, pid = set(), os.getpid()
    while pid > 1 and pid not in found:
        found.add(pid)
        fields = _stat(pid)
        if fields is None:
            break
        pid = int(fields[1])
    return found


def marked(instance: str) -> list[Process]:
    """Every live process of this host that carries MERCURY_INSTANCE=instance."""
    needle = f"{MARK}={instance}".encode()
    skip = _ancestors()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in skip:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            if needle not in environ:
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if _alive(int(entry.name)):
            found.append(Process(int(entry.name), command.strip() or "?"))
    return sorted(found, key=lambda process: process.pid)


def stop(instance: str, *, grace: float) -> tuple[list[Process], list[Process]]:
    """SIGTERM every marked process, SIGKILL what is left after `grace` seconds.

    Returns (stopped, still running); a process already gone is neither.
    """
    found = marked(instance)
    for process in found:
        _signal(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p.pid) for p in found):
        time.sleep(0.1)
    # SIGKILL what is left, and whatever was started meanwhile (a worker loop's restart).
    for _ in range(3):
        left = marked(instance)
        if not left:
            break
        for process in left:
            _signal(process.pid, signal.SIGKILL)
        found += [process for process in left if process not in found]
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(_alive(p.pid) for p in left):
            time.sleep(0.05)
    remaining = marked(instance)
    return [process for process in found if process not in remaining], remaining


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, number)


def main(argv: list[str]) -> int:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["list", "stop"])
    parser.add_argument("instance", help="the real path of the run's var folder")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds between TERM and KILL")
    args = parser.parse_args(argv)
    if args.action == "list":
        found = marked(args.instance)
        for process in found:
            print(f"  {process.describe()}")
        return 3 if found else 0
    stopped, remaining = stop(args.instance, grace=args.grace)
    for process in stopped:
        print(f"  stopped {process.describe()}")
    for process in remaining:
        print(f"  STILL RUNNING {process.describe()}")
    return 1 if remaining else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
